import type { ModalMetadata } from '../src/slack/codecs';
import type { FormValues } from '../src/slack/codecs';
import type { HandlerDeps } from './deps';

/** Opens the request form (or why it cannot be used) on a trigger, then warms what it will need. */
export async function openForm(
  deps: HandlerDeps,
  triggerId: string,
  userId: string,
  metadata: ModalMetadata,
  prefill?: FormValues,
): Promise<void> {
  const form = deps.forms.open(userId, metadata, prefill);
  const opened = await deps.slack.openView(triggerId, form.view);
  const after = form.after;
  if (after) deps.background('finish opening the form', () => after(opened));
}
