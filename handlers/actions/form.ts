import type { App, BlockAction } from '@slack/bolt';
import { decodeMetadata, readForm } from '../../src/slack/codecs';
import { IDS } from '../../src/slack/ids';
import type { HandlerDeps } from '../deps';

/**
 * A choice in the request form (dispatch_action): ack, then gather what the next fields and the
 * submission will need and show early verdicts, keeping every value.
 */
export function registerFormActions(app: App, deps: HandlerDeps): void {
  const fields = [
    IDS.blocks.customer,
    IDS.blocks.kind,
    IDS.blocks.product,
    IDS.blocks.sku,
    IDS.blocks.availability,
    IDS.blocks.azureSubscription,
  ];
  for (const field of fields) {
    app.action<BlockAction>({ action_id: field }, async ({ ack, body }) => {
      await ack();
      const view = body.view;
      if (!view || view.callback_id !== IDS.requestModal) return;
      deps.background(`form choice ${field}`, () =>
        deps.forms.choiceMade(
          {
            id: view.id,
            hash: view.hash,
            values: readForm(view.state.values),
            metadata: decodeMetadata(view.private_metadata),
          },
          field,
          body.user.id,
        ),
      );
    });
  }
}
