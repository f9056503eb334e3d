import type { App } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import type { OptionList } from '../../src/services/options';
import { option } from '../../src/slack/blocks';
import { readForm } from '../../src/slack/codecs';
import { IDS, NONE } from '../../src/slack/ids';
import { PARTNER_CENTER_SLOW } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';

/** Option loads must answer inside Slack's 3 seconds, whatever Partner Center does. */
const OPTIONS_BUDGET_MS = 2200;

function render(list: OptionList): { options: PlainTextOption[] } {
  if (list.kind === 'hint') return { options: [option(list.text, NONE)] };
  return { options: list.items.map((i) => option(i.text, i.value, i.description)) };
}

/**
 * Option loads of the request form's external selects: answered from the cache (filled when the form
 * opened and as each choice was made). A slow load answers a one-line hint within the budget and
 * goes on filling the cache for the next keystroke.
 */
export function registerCatalogOptions(app: App, deps: HandlerDeps): void {
  const load = (id: string): void => {
    app.options(id, async ({ ack, payload, body }) => {
      if (!fromAllowedWorkspace(deps, body)) {
        await ack({ options: [] });
        return;
      }
      const form = readForm((body as { view?: { state?: { values?: unknown } } }).view?.state?.values);
      const running = deps.options.list(id, form, payload.value ?? '', body.user.id);
      const late = new Promise<'late'>((resolve) =>
        setTimeout(() => resolve('late'), OPTIONS_BUDGET_MS).unref(),
      );
      try {
        const first = await Promise.race([running, late]);
        if (first !== 'late') {
          await ack(render(first));
          return;
        }
        running.catch((err: unknown) => deps.log.warn({ err, list: id }, 'slow option load failed'));
        await ack(render({ kind: 'hint', text: PARTNER_CENTER_SLOW }));
      } catch (err) {
        deps.log.warn({ err, list: id }, 'option load failed');
        await ack({ options: [] });
      }
    });
  };
  for (const id of [
    IDS.blocks.customer,
    IDS.blocks.product,
    IDS.blocks.sku,
    IDS.blocks.availability,
    IDS.blocks.azureSubscription,
  ]) {
    load(id);
  }
}
