import type { App } from '@slack/bolt';
import { registerDecisionActions } from './actions/decision';
import { registerFormActions } from './actions/form';
import { registerRequestActions } from './actions/request';
import { registerPurchaseCommand } from './commands/purchase';
import type { HandlerDeps } from './deps';
import { registerEvents } from './events/home';
import { registerCatalogOptions } from './options/catalog';
import { registerShortcuts } from './shortcuts/new-request';
import { registerRequestView } from './views/request';
import { registerTextViews } from './views/text';

export type { HandlerDeps } from './deps';

export function registerHandlers(app: App, deps: HandlerDeps): void {
  registerPurchaseCommand(app, deps);
  registerShortcuts(app, deps);
  registerRequestView(app, deps);
  registerTextViews(app, deps);
  registerDecisionActions(app, deps);
  registerRequestActions(app, deps);
  registerFormActions(app, deps);
  registerCatalogOptions(app, deps);
  registerEvents(app, deps);
}
