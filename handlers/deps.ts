import type { Logger } from 'pino';
import type { Config } from '../src/config';
import type { ApprovalService } from '../src/services/approvals';
import type { CatalogService } from '../src/services/catalog';
import type { IntakeService } from '../src/services/intake';
import type { Notifier } from '../src/services/notifier';
import type { FinanceCommands } from '../src/services/finance';
import type { SlackPort } from '../src/slack/port';
import type { RequestRepository } from '../src/store/requests';

/** What listeners may use. They never reach Partner Center before they ack. */
export interface HandlerDeps {
  config: Config;
  log: Logger;
  slack: SlackPort;
  repo: RequestRepository;
  catalog: CatalogService;
  intake: IntakeService;
  approvals: ApprovalService;
  notifier: Notifier;
  finance: FinanceCommands;
  /** Runs work after the ack without letting its failure become an unhandled rejection. */
  background(what: string, work: () => Promise<void>): void;
}
