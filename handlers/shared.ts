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
  const opened = await deps.forms.open(userId, metadata, prefill);
  await deps.slack.openView(triggerId, opened.view);
  if (opened.after) deps.background('prefetch the form', opened.after);
}
