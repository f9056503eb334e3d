import {
  FORM_CHECKING_TEXT,
  FORM_NEEDS_CHANGES_TEXT,
  FORM_SENDING_TEXT,
  NO_OPEN_REQUESTS_TEXT,
  optionHintText,
  priceText,
  type OptionHint,
} from '../../src/slack/messages';
import { sampleRequest } from '../../harness/requests';

/** The form's lines and its option lists' hints, built in messages.ts like every other word. */
describe('the form lines', () => {
  it('keeps option hints within an option text (75 characters), in words', () => {
    const hints: OptionHint[] = [
      { kind: 'customer_first' },
      { kind: 'kind_first' },
      { kind: 'product_first' },
      { kind: 'sku_first' },
      { kind: 'unknown_customer' },
      { kind: 'no_country' },
      { kind: 'not_offered', country: 'X'.repeat(200) },
    ];
    for (const h of hints) {
      const text = optionHintText(h);
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(75);
    }
    expect(optionHintText({ kind: 'not_offered', country: 'DE' })).toBe('Not offered to this customer in DE');
  });

  it('names no environment variable, internal state or raw value', () => {
    const all = [
      FORM_CHECKING_TEXT,
      FORM_NEEDS_CHANGES_TEXT,
      FORM_SENDING_TEXT,
      NO_OPEN_REQUESTS_TEXT,
      priceText(
        sampleRequest({
          price: { known: true, unit: 1, currency: 'USD', source: 'azure_reservations price sheet' },
        }),
      ),
    ].join('\n');
    expect(all).not.toMatch(/\b[A-Z]{3,}_[A-Z_]{3,}\b|azure_reservations|pending_approval/);
    expect(all).toContain('Azure reservations');
  });
});
