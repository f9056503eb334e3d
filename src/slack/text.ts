/** Slack text helpers: limits are in characters, and we never cut a string silently mid-way. */

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function plain(text: string, max = 3000): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text: truncate(text || ' ', max), emoji: true };
}

export function mrkdwn(text: string, max = 3000): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(text || ' ', max) };
}

/** A Slack date token: renders in each reader's own time zone (fallback: ISO, UTC). */
export function slackDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `<!date^${sec}^{date_short_pretty} {time}|${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}>`;
}

/** A day, without the time: for windows that close on a date. */
export function slackDay(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `<!date^${sec}^{date_long_pretty}|${new Date(ms).toISOString().slice(0, 10)}>`;
}

/** An amount in its currency, the way people read it (Intl): `$1,234.50`, `€12.00`, `1,234 JPY`. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(
      amount,
    );
  } catch {
    // An unknown currency code: the number, then the code.
    return `${new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount)} ${currency}`;
  }
}

/** An amount that may be unknown, in a currency that may be unknown. */
export function amount(value: number | undefined, currency: string | undefined): string {
  if (value === undefined) return 'unknown';
  return currency
    ? money(value, currency)
    : new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** "1 year", "3 years", "1 month" from an ISO 8601 duration; never `P1Y` in front of people. */
export function humanTerm(iso: string | undefined): string {
  if (!iso) return 'Perpetual';
  const m = /^P(\d+)([YMWD])$/i.exec(iso);
  if (!m) return iso;
  const n = Number(m[1]);
  const unit = { Y: 'year', M: 'month', W: 'week', D: 'day' }[m[2]!.toUpperCase() as 'Y' | 'M' | 'W' | 'D'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A term option as the form lists it ("1 year · paid once"), the same when a form is prefilled. */
export function availabilityLabel(termDuration: string | undefined, billingCycle: string): string {
  return `${humanTerm(termDuration)} · ${humanBillingCycle(billingCycle)}`;
}

/** "one time", "monthly", "annual": billing cycles as words. */
export function humanBillingCycle(cycle: string): string {
  switch (cycle.toLowerCase().replace(/[\s-]/g, '_')) {
    case 'one_time':
    case 'onetime':
      return 'paid once';
    case 'monthly':
      return 'billed monthly';
    case 'annual':
      return 'billed yearly';
    case 'triennial':
      return 'billed every 3 years';
    default:
      return `billed ${cycle.replace(/_/g, ' ')}`;
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A user mention; ids are Slack's own (U…/W…), never free text. */
export function user(id: string): string {
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : escapeMrkdwn(id);
}

/** A quoted block of someone's free text, escaped and within a length. */
export function quote(text: string, max = 1500): string {
  return truncate(escapeMrkdwn(text.trim()), max)
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');
}
