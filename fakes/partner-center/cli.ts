/**
 * `npm run simulator`: the local Partner Center, standalone. Flags win over environment variables.
 *
 *   --port / SIM_PORT (4010)                        --host / SIM_HOST (127.0.0.1)
 *   --registration-delay-ms / SIM_REGISTRATION_DELAY_MS (5000)
 *   --order-list-delay-ms / SIM_ORDER_LIST_DELAY_MS (900000)
 *   --fulfillment-delay-ms / SIM_FULFILLMENT_DELAY_MS (1000)
 *   --open-auth / SIM_OPEN_AUTH                     --perpetual-qualified / SIM_PERPETUAL_QUALIFIED
 *   --rate-limit / SIM_RATE_LIMIT (e.g. 100/1000)   --extra-skus / SIM_EXTRA_SKUS
 *   --ca-out / SIM_CA_OUT (write the authority's certificate)
 *   --cloud / SIM_CLOUD (public | usgov)            --checkout-mode / SIM_CHECKOUT_MODE (800065 | idempotent | bare-order)
 *   --plan-provisioning-delay-ms / SIM_PLAN_PROVISIONING_DELAY_MS (5000)
 *   --latency-ms / SIM_LATENCY_MS                   --latency-jitter-ms / SIM_LATENCY_JITTER_MS
 *   --latency-p50-ms / SIM_LATENCY_P50_MS           --latency-p99-ms / SIM_LATENCY_P99_MS
 *   --latency-profile / SIM_LATENCY_PROFILE (none | realistic)
 *   --latency-path 'PATTERN=MS[:JITTER]' or 'PATTERN=P50~P99' (repeatable) / SIM_LATENCY_PATHS (comma-separated)
 *   --pricesheet-rows / SIM_PRICESHEET_ROWS         --reservation-skus / SIM_RESERVATION_SKUS
 *   --extra-customers / SIM_EXTRA_CUSTOMERS
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startSimulator, type SimulatorOptions } from './index';
import { parseLatencyPath } from './latency';

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
  latencyJitterMs: intText('latency-jitter-ms').optional(),
  latencyP50Ms: intText('latency-p50-ms').optional(),
  latencyP99Ms: intText('latency-p99-ms').optional(),
  latencyProfile: z.enum(['none', 'realistic']).optional(),
  latencyRoutes: z
    .array(z.string())
    .transform((list) => list.map(parseLatencyPath))
    .optional(),
  rateLimit: rateText.optional(),
  extraSkus: intText('extra-skus').optional(),
  cloud: z.enum(['public', 'usgov']).optional(),
  checkoutMode: z.enum(['idempotent', '800065', 'bare-order']).optional(),
  planProvisioningDelayMs: intText('plan-provisioning-delay-ms').optional(),
  pricesheetRows: intText('pricesheet-rows').optional(),
  reservationSkus: intText('reservation-skus').optional(),
  extraCustomers: intText('extra-customers').optional(),
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
      'latency-jitter-ms': { type: 'string' },
      'latency-p50-ms': { type: 'string' },
      'latency-p99-ms': { type: 'string' },
      'latency-profile': { type: 'string' },
      'latency-path': { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'extra-skus': { type: 'string' },
      cloud: { type: 'string' },
      'checkout-mode': { type: 'string' },
      'plan-provisioning-delay-ms': { type: 'string' },
      'pricesheet-rows': { type: 'string' },
      'reservation-skus': { type: 'string' },
      'extra-customers': { type: 'string' },
      'ca-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run simulator -- [--port 4010] [--registration-delay-ms N] [--order-list-delay-ms N] [--open-auth]\n' +
        '       [--perpetual-qualified] [--rate-limit N/MS] [--extra-skus N] [--ca-out FILE]\n' +
        '       [--cloud public|usgov] [--checkout-mode 800065|idempotent|bare-order] [--plan-provisioning-delay-ms N]\n' +
        '       [--latency-ms N] [--latency-jitter-ms N] [--latency-p50-ms N --latency-p99-ms N]\n' +
        "       [--latency-profile none|realistic] [--latency-path 'PATTERN=MS[:JITTER]' ...]\n" +
        '       [--pricesheet-rows N] [--reservation-skus N] [--extra-customers N]\n',
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
    latencyJitterMs: flagOrEnv(values['latency-jitter-ms'], 'SIM_LATENCY_JITTER_MS'),
    latencyP50Ms: flagOrEnv(values['latency-p50-ms'], 'SIM_LATENCY_P50_MS'),
    latencyP99Ms: flagOrEnv(values['latency-p99-ms'], 'SIM_LATENCY_P99_MS'),
    latencyProfile: flagOrEnv(values['latency-profile'], 'SIM_LATENCY_PROFILE'),
    latencyRoutes:
      values['latency-path'] ??
      env.SIM_LATENCY_PATHS?.split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    rateLimit: flagOrEnv(values['rate-limit'], 'SIM_RATE_LIMIT'),
    extraSkus: flagOrEnv(values['extra-skus'], 'SIM_EXTRA_SKUS'),
    cloud: flagOrEnv(values.cloud, 'SIM_CLOUD'),
    checkoutMode: flagOrEnv(values['checkout-mode'], 'SIM_CHECKOUT_MODE'),
    planProvisioningDelayMs: flagOrEnv(
      values['plan-provisioning-delay-ms'],
      'SIM_PLAN_PROVISIONING_DELAY_MS',
    ),
    pricesheetRows: flagOrEnv(values['pricesheet-rows'], 'SIM_PRICESHEET_ROWS'),
    reservationSkus: flagOrEnv(values['reservation-skus'], 'SIM_RESERVATION_SKUS'),
    extraCustomers: flagOrEnv(values['extra-customers'], 'SIM_EXTRA_CUSTOMERS'),
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
      `US Government authority on ${sim.usGovAuthorityUrl}; cloud ${sim.cloud}\n` +
      `Price sheets on ${sim.pricingUrl}/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_reservations')/$value\n` +
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
