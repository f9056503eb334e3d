import type { ServerResponse } from 'node:http';
import { App, ExpressReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import express, { type Express } from 'express';
import type { Config } from './config';
import { slackGuard } from './http/slack-guard';
import type { Logger } from './logger';
import type { Adapters, Services } from './wiring';
import { SOMETHING_FAILED_TEXT } from './slack/messages';
import type { SlackPort } from './slack/port';

/** What listeners may use. They never reach Partner Center before they ack (but for cached option loads). */
export interface HandlerDeps extends Services {
  config: Config;
  log: Logger;
  slack: SlackPort;
  requests: Adapters['requests'];
  queues: Pick<Adapters['producers'], 'enqueueCancellation'>;
  /** Runs work after the ack without letting its failure become an unhandled rejection. */
  background(what: string, work: () => Promise<void>): void;
}

export interface Web {
  bolt: App;
  stop(): Promise<void>;
}

/**
 * The web half: Bolt over HTTP (behind our guard) or Socket Mode. Bolt learns who the bot is once,
 * at start-up (configured ids, or one auth.test), never per request: with neither, Bolt would call
 * auth.test before the listeners of every inbound request.
 */
export async function startWeb(opts: {
  adapters: Adapters;
  services: Services;
  http: Express;
  register(app: App, deps: HandlerDeps): void;
}): Promise<Web> {
  const { adapters: a, services: s } = opts;
  const { config, log } = a;
  const identity = await whoAmI(a);
  const background = (what: string, work: () => Promise<void>): void => {
    work().catch((err: unknown) => log.error({ err, what }, 'background work failed'));
  };
  const common = {
    token: config.slack.botToken,
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {},
    logLevel: LogLevel.WARN,
    // Who we are is known: Bolt must not ask Slack on every request.
    tokenVerificationEnabled: false,
    botId: identity.botId,
    botUserId: identity.botUserId,
  };
  let bolt: App;
  if (config.slack.socketMode) {
    bolt = new App({
      ...common,
      receiver: new SocketModeReceiver({
        appToken: config.slack.appToken!,
        logLevel: LogLevel.WARN,
        // The receiver hands installerOptions.clientOptions to its SocketModeClient, whose WebClient
        // calls apps.connections.open: a Slack API URL given anywhere else is silently ignored.
        ...(config.slack.apiUrl
          ? { installerOptions: { clientOptions: { slackApiUrl: config.slack.apiUrl } } }
          : {}),
      }),
    });
  } else {
    const router = express.Router();
    // Signatures are checked against the wall clock (Slack's), never the business clock a test may move.
    router.use('/slack/events', slackGuard({ signingSecret: config.slack.signingSecret! }));
    const receiver = new ExpressReceiver({
      signingSecret: config.slack.signingSecret!,
      endpoints: '/slack/events',
      app: opts.http,
      router,
      // slackGuard, mounted on the same path first, has already verified the signature (and more
      // strictly: size, content type, future timestamps); verifying again would cost a second HMAC.
      signatureVerification: false,
      logLevel: LogLevel.WARN,
      processEventErrorHandler: ({ error, request, response }) =>
        Promise.resolve(answerFailedEvent(log, error, (request as { body?: unknown }).body, response)),
    });
    bolt = new App({ ...common, receiver });
  }
  bolt.error(async (err) => {
    log.error({ err: err.original ?? err, code: err.code }, 'unhandled error in a Slack listener');
    return Promise.resolve();
  });
  opts.register(bolt, {
    ...s,
    config,
    log,
    slack: a.slack,
    requests: a.requests,
    queues: a.producers,
    background,
  });
  if (config.slack.socketMode) await bolt.start();
  return {
    bolt,
    async stop() {
      if (config.slack.socketMode) await bolt.stop();
    },
  };
}

/** The bot's ids: configured, or asked once (auth.test) with a few retries while Slack is slow. */
async function whoAmI(a: Adapters): Promise<{ botId: string | undefined; botUserId: string | undefined }> {
  const { config } = a;
  if (config.slack.botUserId && config.slack.botId)
    return { botId: config.slack.botId, botUserId: config.slack.botUserId };
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await a.webClient.auth.test();
      return { botId: res.bot_id ?? config.slack.botId, botUserId: res.user_id ?? config.slack.botUserId };
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  throw new Error(
    `Slack did not say who the bot is (auth.test): ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

/**
 * A listener (or Bolt, on a payload it cannot read) threw before answering Slack. Bolt would send
 * a 500; we answer what Slack can show instead: a private note for a command, an empty option list
 * for an options load, and 400 for anything else, which can only be a payload we do not understand.
 */
function answerFailedEvent(log: Logger, error: unknown, body: unknown, response: ServerResponse): boolean {
  log.error({ err: error }, 'a Slack request failed before it was answered');
  if (response.headersSent) return false;
  const b = (typeof body === 'object' && body !== null ? body : {}) as { command?: unknown; type?: unknown };
  const send = (status: number, payload?: unknown): void => {
    response.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
    response.end(payload === undefined ? undefined : JSON.stringify(payload));
  };
  if (typeof b.command === 'string') {
    send(200, { response_type: 'ephemeral', text: SOMETHING_FAILED_TEXT });
  } else if (b.type === 'block_suggestion') {
    send(200, { options: [] });
  } else {
    send(400);
  }
  return true;
}
