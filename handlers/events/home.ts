import type { App } from '@slack/bolt';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';

/** App Home: published when the user opens the Home tab. */
export function registerEvents(app: App, deps: HandlerDeps): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home' || !fromAllowedWorkspace(deps, body)) return;
    deps.background('publish home', () => deps.home.publish(event.user));
  });
}
