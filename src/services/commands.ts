import type { KnownBlock } from '@slack/types';
import { isFinal } from '../purchases/model';
import { buildStatusBlocks } from '../slack/blocks';
import {
  NO_OPEN_REQUESTS_TEXT,
  refusalText,
  statusLabel,
  totalText,
  unknownCommandText,
  usageText,
} from '../slack/messages';
import { escapeMrkdwn, truncate } from '../slack/text';
import type { RequestStore } from '../store/requests';
import type { AccessService } from './access';
import type { ApprovalService } from './approvals';

export interface CommandAnswer {
  text: string;
  blocks?: KnownBlock[] | undefined;
}

export interface SubcommandHandler {
  command(verb: string, args: string[], who: { userId: string; channelId: string }): Promise<CommandAnswer>;
}

const FINANCE = new Set(['balance', 'invoices', 'invoice', 'orders', 'entitlements']);

/** /purchase's subcommands: status, mine, cancel, and the finance and audit ones. */
export class CommandService {
  constructor(
    private readonly deps: {
      requests: RequestStore;
      access: AccessService;
      approvals: ApprovalService;
      finance: SubcommandHandler;
      audit?: SubcommandHandler | undefined;
    },
  ) {}

  async run(
    verb: string,
    args: string[],
    who: { userId: string; channelId: string },
  ): Promise<CommandAnswer> {
    switch (verb) {
      case 'status':
        return this.status(args[0], who.userId);
      case 'mine':
        return this.mine(who.userId);
      case 'cancel': {
        const id = args[0]?.toUpperCase();
        if (!id) return { text: usageText('/purchase cancel PR-…') };
        const res = await this.deps.approvals.withdraw(id, who.userId);
        return {
          text: res.ok
            ? `Withdrew ${res.request.id}. Nothing was bought.`
            : refusalText(res.code, id, res.status),
        };
      }
      case 'audit':
        return this.deps.audit
          ? this.deps.audit.command(verb, args, who)
          : { text: unknownCommandText(verb) };
      default:
        if (FINANCE.has(verb)) return this.deps.finance.command(verb, args, who);
        return { text: unknownCommandText(verb) };
    }
  }

  /** Details for the requester, approvers and finance; anyone else gets the unknown-id answer. */
  private async status(raw: string | undefined, userId: string): Promise<CommandAnswer> {
    if (!raw) return { text: usageText('/purchase status PR-…') };
    const id = raw.toUpperCase();
    const r = /^PR-[A-Z0-9]{4,16}$/.test(id) ? await this.deps.requests.get(id) : undefined;
    if (!r || !(await this.deps.access.canSee(userId, r))) {
      return { text: refusalText('not_found', truncate(escapeMrkdwn(raw), 40)) };
    }
    const view = buildStatusBlocks(r, await this.deps.requests.audit(r.id));
    return { text: view.text, blocks: view.blocks };
  }

  private async mine(userId: string): Promise<CommandAnswer> {
    const open = (await this.deps.requests.openForUser(userId)).filter((r) => !isFinal(r.status));
    if (open.length === 0) return { text: NO_OPEN_REQUESTS_TEXT };
    const lines = open
      .slice(0, 40)
      .map(
        (r) =>
          `• \`${r.id}\` ${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 120))} for ${escapeMrkdwn(r.customerName)}, ${totalText(r)} — ${statusLabel(r)}`,
      );
    const more = open.length > 40 ? `\n…and ${open.length - 40} more.` : '';
    return { text: `*Your open requests (${open.length})*\n${lines.join('\n')}${more}` };
  }
}
