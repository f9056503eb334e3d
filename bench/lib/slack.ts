import { mintTriggerId } from '../../fakes/slack/ids';
import {
  blockActions,
  blockSuggestion,
  encodeInbound,
  sign,
  slashCommand,
  type StateValues,
} from '../../fakes/slack/inbound';

export const SECRET = 'bench-signing-secret';

export interface Signed {
  body: string;
  headers: Record<string, string>;
}

export type Endpoint = 'command' | 'button' | 'options';

/** Signs with the current second's timestamp, as Slack does: within the 5-minute window by construction. */
export function signed(body: string, contentType: string): Signed {
  return { body, headers: { 'content-type': contentType, ...sign(SECRET, body) } };
}

/** Fixed bodies are signed once per second, not once per request: the load generator stays cheap. */
function signedOncePerSecond(body: string, contentType: string): () => Signed {
  let second = -1;
  let cached: Signed = signed(body, contentType);
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      cached = signed(body, contentType);
    }
    return cached;
  };
}

/** `/purchase <text>` with a fresh trigger id each time (a trigger can be exchanged only once). */
export function commandRequest(
  text: string,
  responseUrl: string,
): (trigger?: string) => Signed & { trigger: string } {
  return (trigger = mintTriggerId()) => {
    const { body, contentType } = encodeInbound(
      'command',
      slashCommand({
        text,
        user_id: 'U0REQUEST1',
        channel_id: 'C0GENERAL',
        trigger_id: trigger,
        response_url: responseUrl,
      }),
    );
    return { ...signed(body, contentType), trigger };
  };
}

/** A click on Approve for a request that is already decided: the bot answers it with an ephemeral. */
export function buttonRequest(requestId: string, responseUrl: string): () => Signed {
  const { body, contentType } = encodeInbound(
    'interactive',
    blockActions({
      action_id: 'approve_request',
      value: requestId,
      user: 'U0APPROVE1',
      channel_id: 'C0APPROVALS',
      message: { ts: '1700000000.000100', text: 'card', blocks: [] },
      response_url: responseUrl,
    }),
  );
  return signedOncePerSecond(body, contentType);
}

/** An option load for an external select of the request modal. */
export function optionsRequest(actionId: string, values: StateValues, query = ''): () => Signed {
  const view = {
    id: 'V0BENCH0001',
    type: 'modal',
    callback_id: 'purchase_request',
    private_metadata: '{"v":1}',
    blocks: [],
    state: { values },
  };
  const { body, contentType } = encodeInbound(
    'interactive',
    blockSuggestion({ action_id: actionId, value: query, view }),
  );
  return signedOncePerSecond(body, contentType);
}
