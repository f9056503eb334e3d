import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { CustomerDef, InvoiceRecord } from './model';
import { chargeSubtotal, invoiceTotal, recurringSubtotal } from './state';

interface StatementLine {
  customer: string;
  description: string;
  /** Second, smaller row: order id, term, dates. */
  detail: string;
  quantity: number;
  unitPrice: number;
  amount: number;
}

/** The standard PDF fonts speak WinAnsi only; anything else (₹, CJK) would make pdf-lib throw. */
function winAnsi(text: string): string {
  return text.replace(/[^\x20-\x7e\u00a0-\u00ff€]/g, '?');
}

function money(n: number, currency: string): string {
  return `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function fit(text: string, font: PDFFont, size: number, width: number): string {
  let t = winAnsi(text);
  if (font.widthOfTextAtSize(t, size) <= width) return t;
  while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > width) t = t.slice(0, -1);
  return `${t}...`;
}

/** An invoice statement: number, date, billing period, each line and the total. */
export async function buildStatementPdf(
  invoice: InvoiceRecord,
  customerOf: (id: string) => CustomerDef | undefined,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Invoice ${invoice.id}`);
  doc.setAuthor('Partner Center simulator');
  doc.setSubject(`Invoice statement ${invoice.id}`);
  doc.setCreationDate(new Date(invoice.invoiceDate));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);

  const lines: StatementLine[] = [
    ...invoice.oneTimeLines.map((c) => ({
      customer: customerOf(c.customerId)?.companyName ?? c.customerId,
      description: `${c.skuName}${c.chargeType === 'cancel' ? ' (refund)' : ''}`,
      detail: `Order ${c.orderId}${c.termDuration ? `, term ${c.termDuration}` : ''}, ordered ${day(c.orderDate)}`,
      quantity: c.chargeType === 'cancel' ? -c.quantity : c.quantity,
      unitPrice: c.unitPrice,
      amount: chargeSubtotal(c),
    })),
    ...invoice.recurringLines.map((l) => ({
      customer: customerOf(l.customerId)?.companyName ?? l.customerId,
      description: `${l.offerName} - monthly`,
      detail: `Subscription ${l.subscriptionId}, ${day(l.chargeStart)} to ${day(l.chargeEnd)}`,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: recurringSubtotal(l),
    })),
  ];

  const A4: [number, number] = [595.28, 841.89];
  const margin = 50;
  const cols = { customer: margin, description: margin + 120, quantity: 380, unit: 420, amount: 490 };
  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - margin;
  const text = (s: string, x: number, size = 9, f: PDFFont = font): void => {
    page.drawText(winAnsi(s), { x, y, size, font: f, color: rgb(0.1, 0.1, 0.1) });
  };
  const header = (): void => {
    text('Customer', cols.customer, 9, bold);
    text('Description', cols.description, 9, bold);
    text('Qty', cols.quantity, 9, bold);
    text('Unit', cols.unit, 9, bold);
    text('Amount', cols.amount, 9, bold);
    y -= 6;
    page.drawLine({ start: { x: margin, y }, end: { x: A4[0] - margin, y }, thickness: 0.5 });
    y -= 14;
  };

  text('Microsoft Partner Center', margin, 18, bold);
  y -= 26;
  text(`Invoice ${invoice.id}`, margin, 14, bold);
  y -= 20;
  text(`Invoice number: ${invoice.id}`, margin, 10);
  y -= 14;
  text(`Invoice type: ${invoice.invoiceType}`, margin, 10);
  y -= 14;
  text(`Invoice date: ${day(invoice.invoiceDate)}`, margin, 10);
  y -= 14;
  text(`Billing period: ${day(invoice.periodStart)} to ${day(invoice.periodEnd)}`, margin, 10);
  y -= 14;
  text(`Currency: ${invoice.currencyCode}`, margin, 10);
  y -= 28;
  header();
  for (const line of lines) {
    if (y < margin + 50) {
      page = doc.addPage(A4);
      y = A4[1] - margin;
      header();
    }
    text(fit(line.customer, font, 9, cols.description - cols.customer - 6), cols.customer);
    text(fit(line.description, font, 9, cols.quantity - cols.description - 6), cols.description);
    text(String(line.quantity), cols.quantity);
    text(line.unitPrice.toFixed(2), cols.unit);
    text(line.amount.toFixed(2), cols.amount);
    y -= 11;
    page.drawText(fit(line.detail, font, 7.5, A4[0] - margin - cols.description), {
      x: cols.description,
      y,
      size: 7.5,
      font,
      color: rgb(0.4, 0.4, 0.4),
    });
    y -= 15;
  }
  y -= 10;
  page.drawLine({ start: { x: margin, y: y + 8 }, end: { x: A4[0] - margin, y: y + 8 }, thickness: 0.5 });
  text(`Total: ${money(invoiceTotal(invoice), invoice.currencyCode)}`, cols.unit - 60, 11, bold);
  y -= 16;
  text(`Paid: ${money(invoice.paidAmount, invoice.currencyCode)}`, cols.unit - 60, 10);
  return doc.save();
}
