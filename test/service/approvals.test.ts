import pino from 'pino';
import { AccessService } from '../../src/services/access';
import { ApprovalService } from '../../src/services/approvals';
import { Notifier } from '../../src/services/notifier';
import { RedisLocks } from '../../src/store/lock';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { sampleRequest } from '../../harness/requests';
import { RecordingSlack } from '../support/recording-slack';
import { testRedis } from '../support/redis';

/**
 * The approval rules, tested on the service itself: real Redis, the recording Slack port, no HTTP.
 */
describe('approvals (service)', () => {
  const { redis, prefix } = testRedis();
  const log = pino({ level: 'silent' });
  let clock = Date.now();
  const now = () => clock;
  let slack: RecordingSlack;
  let requests: RequestRepository;
  let approvals: ApprovalService;
  let enqueued: string[];
  let n = 0;

  function build(settings: { group?: string; ids?: string[] } = {}) {
    const keys = new Keys(`${prefix}:${++n}`);
    slack = new RecordingSlack(now);
    slack.groups.set('S0APPROVERS', ['U0APPROVE2']);
    requests = new RequestRepository(redis, keys, now);
    const access = new AccessService(
      slack,
      {
        teamId: undefined,
        enterpriseId: undefined,
        approvers: { userIds: settings.ids ?? ['U0APPROVE1'], usergroupId: settings.group ?? 'S0APPROVERS' },
        finance: { userIds: [], usergroupId: undefined },
        requesterGroupId: undefined,
        decisionGroupCacheMs: 5_000,
        profileCacheMs: 600_000,
      },
      log,
      now,
    );
    const notifier = new Notifier({
      slack,
      requests,
      locks: new RedisLocks(redis, keys),
      settings: {
        approvalsChannel: 'C0APPROVALS',
        approverIds: ['U0APPROVE1'],
        approverGroupId: 'S0APPROVERS',
        escalationGroupId: undefined,
      },
      log,
      now,
    });
    enqueued = [];
    approvals = new ApprovalService({
      requests,
      access,
      notifier,
      enqueuePurchase: (id) => {
        enqueued.push(id);
        return Promise.resolve();
      },
    });
    return { notifier };
  }

  afterAll(async () => {
    await redis.quit();
  });

  async function stored(overrides: Record<string, unknown> = {}) {
    const r = sampleRequest({
      id: `PR-A${String(++n).padStart(7, '0')}`,
      createdAt: clock,
      expiresAt: clock + 3_600_000,
      ...overrides,
    });
    await requests.create(r, r.requesterId);
    return r;
  }

  it('approves and queues the purchase once; a second click changes nothing and buys nothing more', async () => {
    build();
    const r = await stored();
    const first = await approvals.approve(r.id, 'U0APPROVE1');
    expect(first.ok && first.request.status).toBe('approved');
    const again = await approvals.approve(r.id, 'U0APPROVE1');
    expect(again).toMatchObject({ ok: false, code: 'not_pending' });
    expect(enqueued).toEqual([r.id]);
  });

  it('refuses the requester, a non-approver, and a click after expiry, each with its reason', async () => {
    build();
    const r = await stored();
    expect(await approvals.approve(r.id, 'U0REQUEST1')).toMatchObject({ ok: false, code: 'self_approval' });
    expect(await approvals.approve(r.id, 'U0OUTSIDER')).toMatchObject({ ok: false, code: 'not_approver' });
    clock += 3_600_001;
    expect(await approvals.approve(r.id, 'U0APPROVE1')).toMatchObject({ ok: false, code: 'expired' });
    expect(enqueued).toEqual([]);
  });

  it('reads the approver group when deciding: someone removed from it cannot approve seconds later', async () => {
    build();
    const r = await stored();
    expect((await approvals.mayDecide(r.id, 'U0APPROVE2')).ok).toBe(true);
    slack.groups.set('S0APPROVERS', []);
    clock += 6_000;
    expect(await approvals.approve(r.id, 'U0APPROVE2')).toMatchObject({ ok: false, code: 'not_approver' });
  });

  it('needs two different approvers when the request says so, and tells the requester after each', async () => {
    const { notifier } = build();
    const r = await notifier.announce(await stored({ requiredApprovals: 2, approvalReasons: ['amount'] }));
    const one = await approvals.approve(r.id, 'U0APPROVE1');
    expect(one.ok && one.request.status).toBe('pending_approval');
    expect(enqueued).toEqual([]);
    const two = await approvals.approve(r.id, 'U0APPROVE2');
    expect(two.ok && two.request.status).toBe('approved');
    expect(enqueued).toEqual([r.id]);
    const thread = slack.in(slack.dmOf('U0REQUEST1'), {
      thread: r.slack.threadTs ?? (await requests.get(r.id))!.slack.threadTs!,
    });
    expect(thread.map((m) => m.text).join('\n')).toMatch(
      /needs one more, different approver[\s\S]*Ordering from Partner Center now/,
    );
  });

  it('announces a request to the channel mentioning the group, and DMs each named approver once', async () => {
    const { notifier } = build();
    const r = await stored();
    await notifier.announce(r);
    await notifier.announce(r);
    const cards = slack.in('C0APPROVALS');
    expect(cards).toHaveLength(1);
    expect(cards[0]!.text).toContain('<!subteam^S0APPROVERS>');
    expect(slack.in(slack.dmOf('U0APPROVE1'))).toHaveLength(1);
    expect(slack.in(slack.dmOf('U0REQUEST1'))).toHaveLength(1);
  });

  it('tells the requester at once when the card cannot be posted, instead of letting the request wait unseen', async () => {
    const { notifier } = build();
    slack.notMemberOf.add('C0APPROVALS');
    const r = await notifier.announce(await stored());
    expect(r.slack.cardUndeliverable).toBe(true);
    const said = slack.messages
      .filter((m) => m.channel === slack.dmOf('U0REQUEST1'))
      .map((m) => m.text)
      .join('\n');
    expect(said).toMatch(/could not be shown to the approvers/);
  });

  it('updates the card and the requester message in place when a decision is made', async () => {
    const { notifier } = build();
    const r = await notifier.announce(await stored());
    await approvals.reject(r.id, 'U0APPROVE1', 'No budget this quarter');
    const card = slack.in('C0APPROVALS')[0]!;
    expect(card.history).not.toHaveLength(0);
    expect(JSON.stringify(card.blocks)).toMatch(/Rejected by <@U0APPROVE1>/);
    expect(JSON.stringify(card.blocks)).not.toContain('approve_request');
    const mine = slack.in(slack.dmOf('U0REQUEST1'))[0]!;
    expect(JSON.stringify(mine.blocks)).toContain('submit_again');
  });

  it('sends alarms to approvers as replies broadcast to the channel, never as a thread reply alone', async () => {
    const { notifier } = build();
    const r = await notifier.announce(await stored());
    const saved = (await requests.get(r.id))!;
    await notifier.notify(saved, { kind: 'reminder', expiresAt: saved.expiresAt });
    const replies = slack.messages.filter((m) => m.channel === 'C0APPROVALS' && m.threadTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ broadcast: true, threadTs: saved.slack.cardTs });
    expect(replies[0]!.text).toMatch(/<!subteam\^S0APPROVERS> :bell: Reminder/);
  });

  it('keeps questions and answers on the request, and routes each to the other side', async () => {
    const { notifier } = build();
    const r = await notifier.announce(await stored());
    expect((await approvals.ask(r.id, 'U0APPROVE1', 'Which cost centre?')).ok).toBe(true);
    expect((await approvals.answer(r.id, 'U0APPROVE1', 'not mine')).ok).toBe(false);
    expect((await approvals.answer(r.id, 'U0REQUEST1', 'CC-42')).ok).toBe(true);
    const saved = (await requests.get(r.id))!;
    expect(saved.conversation?.map((c) => [c.role, c.text])).toEqual([
      ['approver', 'Which cost centre?'],
      ['requester', 'CC-42'],
    ]);
    const requesterThread = slack
      .in(slack.dmOf('U0REQUEST1'), { thread: saved.slack.threadTs! })
      .map((m) => m.text)
      .join('\n');
    expect(requesterThread).toMatch(/asks about your request[\s\S]*Which cost centre/);
    const approverReplies = slack
      .in('C0APPROVALS', { thread: saved.slack.cardTs! })
      .map((m) => m.text)
      .join('\n');
    expect(approverReplies).toMatch(/answered about request[\s\S]*CC-42/);
    expect((await requests.audit(r.id)).map((a) => a.event)).toEqual(
      expect.arrayContaining(['ask', 'answer']),
    );
  });
});
