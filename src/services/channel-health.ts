import type { Logger } from 'pino';
import type { SlackPort } from '../slack/port';
import type { SharedCache } from '../store/cache';

export interface ChannelHealthReport {
  ok: boolean;
  /** Channels the bot is not a member of (or cannot see). */
  missing: { name: 'approvals' | 'finance'; channel: string }[];
  checkedAt: number;
}

/**
 * Whether the bot is a member of the approvals and finance channels (conversations.info `is_member`).
 * Checked at start-up and on each sweep; /readyz fails with the reason while one is missing, and
 * the log says how to fix it. The last report is shared through Redis, so the web half answers
 * /readyz from the workers' checks.
 */
export class ChannelHealth {
  constructor(
    private readonly deps: {
      slack: Pick<SlackPort, 'isMember'>;
      channels: { approvals: string; finance: string };
      cache: SharedCache;
      log: Logger;
      now?: () => number;
    },
  ) {}

  async check(): Promise<ChannelHealthReport> {
    const { channels } = this.deps;
    const missing: ChannelHealthReport['missing'] = [];
    for (const [name, channel] of [
      ['approvals', channels.approvals],
      ['finance', channels.finance],
    ] as const) {
      const member = await this.deps.slack.isMember(channel).catch(() => false);
      if (!member) missing.push({ name, channel });
    }
    const report = { ok: missing.length === 0, missing, checkedAt: (this.deps.now ?? Date.now)() };
    await this.deps.cache.put('health', 'channels', report);
    for (const m of missing) {
      this.deps.log.error(
        { channel: m.channel, role: m.name },
        `the bot is not a member of the ${m.name} channel: invite it there (/invite @bot in ${m.channel}) or fix ${m.name === 'approvals' ? 'APPROVALS_CHANNEL_ID' : 'FINANCE_CHANNEL_ID'}`,
      );
    }
    return report;
  }

  /** The last report (checking now when there is none). */
  async status(): Promise<ChannelHealthReport> {
    return (await this.deps.cache.peek<ChannelHealthReport>('health', 'channels')) ?? this.check();
  }
}
