import { requestPurchase, SOFTWARE } from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startWorld, type World } from '../../harness/world';

describe('expiry, reminders and operations', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      env: {
        APPROVAL_TTL_MS: '4000',
        APPROVAL_REMINDER_BEFORE_MS: '3000',
        SWEEP_INTERVAL_MS: '300',
        BULL_BOARD_PASSWORD: 'board-secret',
        INVOICE_POLL_INTERVAL_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('reminds approvers before a pending request expires, then expires it and tells the requester', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    // The card and the requester's message are posted, then their ids saved: wait for both.
    const r = await waitFor(async () => {
      const x = await w.bot.repo.get(id);
      return x?.slack.cardTs && x.slack.threadTs ? x : undefined;
    });
    const reminder = await waitFor(
      () => w.slack.thread('C0APPROVALS', r.slack.cardTs!).find((m) => /Reminder/.test(m.text)),
      10_000,
    );
    expect(reminder.text).toContain(id);
    const expired = await waitFor(async () => {
      const x = await w.bot.repo.get(id);
      return x?.status === 'expired' ? x : undefined;
    }, 10_000);
    expect(expired.status).toBe('expired');
    const card = await waitFor(() => {
      const c = w.slack.messages('C0APPROVALS').find((m) => m.ts === r.slack.cardTs);
      return c && !JSON.stringify(c.blocks).includes('approve_request') ? c : undefined;
    });
    // The requester is told right after the state is saved.
    await waitFor(() =>
      w.slack
        .thread(expired.slack.threadChannel!, expired.slack.threadTs!)
        .find((m) => /expired/.test(m.text)),
    );
    // Exactly one reminder, however many sweeps ran.
    expect(
      w.slack.thread('C0APPROVALS', r.slack.cardTs!).filter((m) => /Reminder/.test(m.text)),
    ).toHaveLength(1);
    // An approval after expiry changes nothing.
    await w.inbound.action({
      action_id: 'approve_request',
      message: card,
      channel_id: 'C0APPROVALS',
      user: 'U0APPROVE1',
      value: id,
    });
    await waitFor(() => w.slack.ephemerals('C0APPROVALS', 'U0APPROVE1').find((e) => e.text.includes(id)));
    expect((await w.bot.repo.get(id))?.status).toBe('expired');
  }, 30_000);

  it('shows queue depth and job outcomes on /metrics, on the ops port', async () => {
    const text = await (await fetch(`${w.bot.opsUrl}/metrics`)).text();
    expect(text).toMatch(/pcbot_queue_jobs\{queue="purchase",state="waiting"\} \d+/);
    expect(text).toContain('pcbot_requests_pending_approval');
    expect(text).toContain('pcbot_job_outcomes_total');
  });

  it('puts Bull Board behind basic authentication, on the ops port', async () => {
    expect((await fetch(`${w.bot.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${w.bot.opsUrl}/admin/queues`)).status).toBe(401);
    const wrong = Buffer.from('admin:nope').toString('base64');
    expect(
      (await fetch(`${w.bot.opsUrl}/admin/queues`, { headers: { authorization: `Basic ${wrong}` } })).status,
    ).toBe(401);
    const right = Buffer.from('admin:board-secret').toString('base64');
    const res = await fetch(`${w.bot.opsUrl}/admin/queues`, { headers: { authorization: `Basic ${right}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('answers a finance command through Slack, and refuses it to others privately', async () => {
    const url = w.slack.responseUrl({ channel: 'C0FINANCE', user: 'U0FINANCE1' });
    expect(
      (
        await w.inbound.command({
          text: 'balance',
          user_id: 'U0FINANCE1',
          channel_id: 'C0FINANCE',
          response_url: url,
        })
      ).status,
    ).toBe(200);
    const answer = (await waitFor(() => w.slack.responses(url)[0])) as {
      text: string;
      response_type: string;
    };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/balance/i);

    const other = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0OUTSIDER' });
    await w.inbound.command({ text: 'invoices', user_id: 'U0OUTSIDER', response_url: other });
    expect(((await waitFor(() => w.slack.responses(other)[0])) as { text: string }).text).toMatch(/finance/i);
  });

  it('announces a new invoice once, with its PDF in the thread, from the job scheduler', async () => {
    // Let the first poll record the existing invoices as the baseline.
    await new Promise((r) => setTimeout(r, 2500));
    const before = w.slack.messages('C0FINANCE').filter((m) => !m.thread_ts).length;
    const id = await requestPurchase(w, SOFTWARE);
    const card = w.slack.messages('C0APPROVALS').find((m) => !m.thread_ts && m.text.includes(id))!;
    await w.inbound.action({
      action_id: 'approve_request',
      message: card,
      channel_id: 'C0APPROVALS',
      user: 'U0APPROVE1',
      value: id,
    });
    await waitFor(
      async () => ((await w.bot.repo.get(id))?.status === 'confirmed' ? true : undefined),
      20_000,
    );
    const closed = await fetch(`${w.sim.url}/_sim/invoices/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const invoiceId = ((await closed.json()) as { id: string }).id;
    const pdf = await waitFor(() => w.slack.files.find((f) => f.filename.includes(invoiceId)), 15_000);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.channel).toBe('C0FINANCE');
    await waitFor(
      async () => ((await w.bot.repo.get(id))?.invoices?.includes(invoiceId) ? true : undefined),
      10_000,
    );
    // Several more polls run; still one announcement.
    await new Promise((r) => setTimeout(r, 2500));
    const announcements = w.slack
      .messages('C0FINANCE')
      .filter((m) => !m.thread_ts && m.text.includes(invoiceId));
    expect(announcements).toHaveLength(1);
    expect(w.slack.messages('C0FINANCE').filter((m) => !m.thread_ts)).toHaveLength(before + 1);
    expect(w.slack.files.filter((f) => f.filename.includes(invoiceId))).toHaveLength(1);
  }, 60_000);
});
