import type { App } from '@slack/bolt';
import { registerDecisionActions } from './actions/decision';
import { registerPurchaseCommand } from './commands/purchase';
import type { HandlerDeps } from './deps';
import { registerCatalogOptions } from './options/catalog';
import { registerRequestView } from './views/request';

export type { HandlerDeps } from './deps';

export function registerHandlers(app: App, deps: HandlerDeps): void {
  registerPurchaseCommand(app, deps);
  registerRequestView(app, deps);
  registerDecisionActions(app, deps);
  registerCatalogOptions(app, deps);
}
