/**
 * `npm run simulator`: the local Partner Center, standalone. Flags win over environment variables.
 *
 *   --port / SIM_PORT (4010)                        --host / SIM_HOST (127.0.0.1)
 *   --registration-delay-ms / SIM_REGISTRATION_DELAY_MS (5000)
 *   --order-list-delay-ms / SIM_ORDER_LIST_DELAY_MS (900000)
 *   --fulfillment-delay-ms / SIM_FULFILLMENT_DELAY_MS (1000)
 *   --open-auth / SIM_OPEN_AUTH                     --perpetual-qualified / SIM_PERPETUAL_QUALIFIED
 *   --latency-ms / SIM_LATENCY_MS                   --rate-limit / SIM_RATE_LIMIT (e.g. 100/1000)
 *   --extra-skus / SIM_EXTRA_SKUS                   --ca-out / SIM_CA_OUT (write the authority's certificate)
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startSimulator, type SimulatorOptions } from './index';

const intText = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform((s) => Number(s));

const boolText = z.string().transform((s) => ['1', 'true', 'yes', 'on', ''].includes(s.toLowerCase()));

const rateText = z
  .string()
  .regex(/^\d+\/\d+$/, 'rate-limit must look like REQUESTS/MILLISECONDS, e.g. 100/1000')
  .transform((s) => {
    const [requests, perMs] = s.split('/').map(Number) as [number, number];
    return { requests, perMs };
  });

const Schema = z.object({
  port: intText('port').pipe(z.number().max(65535)).default(4010),
  host: z.string().default('127.0.0.1'),
  registrationDelayMs: intText('registration-delay-ms').optional(),
  orderListDelayMs: intText('order-list-delay-ms').optional(),
  fulfillmentDelayMs: intText('fulfillment-delay-ms').optional(),
  openAuth: boolText.optional(),
  perpetualQualified: boolText.optional(),
  latencyMs: intText('latency-ms').optional(),
  rateLimit: rateText.optional(),
  extraSkus: intText('extra-skus').optional(),
  caOut: z.string().optional(),
});

function readOptions(argv: string[], env: NodeJS.ProcessEnv): z.infer<typeof Schema> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'registration-delay-ms': { type: 'string' },
      'order-list-delay-ms': { type: 'string' },
      'fulfillment-delay-ms': { type: 'string' },
      'open-auth': { type: 'boolean' },
      'perpetual-qualified': { type: 'boolean' },
      'latency-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      'extra-skus': { type: 'string' },
      'ca-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run simulator -- [--port 4010] [--registration-delay-ms N] [--order-list-delay-ms N] [--open-auth]\n' +
        '       [--perpetual-qualified] [--latency-ms N] [--rate-limit N/MS] [--extra-skus N] [--ca-out FILE]\n',
    );
    process.exit(0);
  }
  const flagOrEnv = (flag: string | boolean | undefined, envName: string): string | undefined => {
    if (typeof flag === 'boolean') return flag ? 'true' : 'false';
    return flag ?? env[envName];
  };
  return Schema.parse({
    port: flagOrEnv(values.port, 'SIM_PORT'),
    host: flagOrEnv(values.host, 'SIM_HOST'),
    registrationDelayMs: flagOrEnv(values['registration-delay-ms'], 'SIM_REGISTRATION_DELAY_MS'),
    orderListDelayMs: flagOrEnv(values['order-list-delay-ms'], 'SIM_ORDER_LIST_DELAY_MS'),
    fulfillmentDelayMs: flagOrEnv(values['fulfillment-delay-ms'], 'SIM_FULFILLMENT_DELAY_MS'),
    openAuth: flagOrEnv(values['open-auth'], 'SIM_OPEN_AUTH'),
    perpetualQualified: flagOrEnv(values['perpetual-qualified'], 'SIM_PERPETUAL_QUALIFIED'),
    latencyMs: flagOrEnv(values['latency-ms'], 'SIM_LATENCY_MS'),
    rateLimit: flagOrEnv(values['rate-limit'], 'SIM_RATE_LIMIT'),
    extraSkus: flagOrEnv(values['extra-skus'], 'SIM_EXTRA_SKUS'),
    caOut: flagOrEnv(values['ca-out'], 'SIM_CA_OUT'),
  });
}

async function main(): Promise<void> {
  let parsed: z.infer<typeof Schema>;
  try {
    parsed = readOptions(process.argv.slice(2), process.env);
  } catch (err) {
    const message =
      err instanceof z.ZodError
        ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`simulator: ${message}\n`);
    process.exit(2);
  }
  const { caOut, ...rest } = parsed;
  const options: SimulatorOptions = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  const sim = await startSimulator(options);
  if (caOut) writeFileSync(caOut, sim.tlsCaPem);
  // One write, so a reader waiting for the first line also has the rest.
  process.stdout.write(
    `Partner Center simulator listening on ${sim.url}\n` +
      `Authority (HTTPS, self-signed) on ${sim.authorityUrl}; token endpoint ${sim.tokenUrl}\n` +
      (caOut ? `Authority certificate written to ${caOut}\n` : ''),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Received ${signal}, stopping\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
