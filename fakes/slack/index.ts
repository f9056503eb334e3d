/**
 * A local Slack, for tests and the demo: a real HTTP server on loopback that the real
 * `@slack/web-api` WebClient (and so Bolt, via `clientOptions.slackApiUrl`) talks to.
 *
 *   const fake = await startSlackFake();
 *   const client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
 *
 * It answers with the documented shapes (test/fixtures/slack/webapi), enforces auth, scopes,
 * required arguments and the Block Kit limits, keeps messages/views/files as state, records every
 * call, and serves the upload URLs and response_urls it hands out. It also plays Slack's side of
 * Socket Mode (apps.connections.open with the app-level token, then a WebSocket at /link/), and can be
 * made as far away as Slack is (`latencyMs`, `latencyJitterMs`, `latencyByMethod`). See ./README.md.
 */
import { SlackFakeServer } from './server';
import type { SlackFake, SlackFakeOptions } from './types';

export type {
  Block,
  Declared,
  FailureSpec,
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeUser,
  FakeView,
  NewChannel,
  RecordedCall,
  ResponseUrlBinding,
  SlackFake,
  SlackFakeOptions,
} from './types';
export type { LatencyOptions, LatencySpec } from './latency';
export type {
  DeliverOptions,
  DisconnectReason,
  EnvelopeType,
  SocketConnectionInfo,
  SocketDelivery,
  SocketFrame,
  SocketModeControl,
  SocketModeOptions,
} from './socket';
export { METHOD_SCOPES } from './server';
export { LIMITS as BLOCK_KIT_LIMITS } from './blockkit';
export { mintTriggerId } from './ids';
export * as seed from './seed';

export async function startSlackFake(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = new SlackFakeServer(opts);
  await fake.listen(opts.port ?? 0);
  return fake;
}
