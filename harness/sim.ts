export interface SimOrder {
  id: string;
  status: string;
  lineItems: { offerId: string; quantity: number; friendlyName?: string }[];
  _sim: { customerId: string; listed: boolean; cartId?: string };
}

/** Every order the simulator ever created (GET /_sim/orders), including not-yet-listed ones. */
export async function simOrders(simUrl: string): Promise<SimOrder[]> {
  const res = await fetch(`${simUrl}/_sim/orders`);
  return ((await res.json()) as { items: SimOrder[] }).items;
}

export async function simControl(
  simUrl: string,
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<unknown> {
  const res = await fetch(`${simUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 400) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

export async function injectFault(simUrl: string, rule: Record<string, unknown>): Promise<void> {
  await simControl(simUrl, '/_sim/faults', rule);
}

/**
 * The simulator's orders a request made: every cart line the bot makes starts with the request id
 * (`PR-X ` for the purchase, `PR-X-plan ` for an Azure plan bought first). `part` narrows to one.
 */
export async function simOrdersOf(
  simUrl: string,
  requestId: string,
  part?: 'purchase' | 'plan',
): Promise<SimOrder[]> {
  const tags =
    part === 'plan'
      ? [`${requestId}-plan `]
      : part === 'purchase'
        ? [`${requestId} `]
        : [`${requestId} `, `${requestId}-plan `];
  return (await simOrders(simUrl)).filter((o) =>
    o.lineItems.some((l) => tags.some((t) => (l.friendlyName ?? '').startsWith(t))),
  );
}
