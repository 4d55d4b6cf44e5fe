import { databaseUrlFor } from '@wharf/shop-platform';
import pg from 'pg';

/** What the shop's databases say after a run, and every invariant that does not hold. */
export interface ShopReport {
  readonly orders: number;
  readonly confirmed: number;
  readonly cancelled: number;
  /** Orders not CONFIRMED or CANCELLED. */
  readonly unfinished: number;
  readonly cancelledByPayment: number;
  /** Captured charges standing (not refunded), and refunds. */
  readonly charged: number;
  readonly refunded: number;
  /** Outbox rows not yet relayed, per service. */
  readonly outboxPending: Readonly<Record<string, number>>;
  readonly messages: number;
  /** Broken invariants, in words; empty when the shop is consistent. */
  readonly problems: readonly string[];
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Reads every service's own database (as an operator would, after the fact) and checks the shop's
 * invariants: stock = initial − what confirmed orders bought, no reservation still held for a
 * finished order, exactly one standing charge per confirmed order and none per cancelled one,
 * one "received" and one outcome message per order, nothing left in the outboxes.
 */
export async function verifyShop(baseUrl: string, prefix: string, initialStock: number): Promise<ShopReport> {
  const db = (service: string) => databaseUrlFor(baseUrl, `${prefix}_${service}`);
  const orders = await query<{ id: string; status: string; lines: string; reason: string }>(
    db('orders'),
    'select id, status, lines, reason from orders_view',
  );
  const products = await query<{ id: string; available: number }>(db('catalog'), 'select id, available from products');
  const held = await query<{ order_id: string }>(db('catalog'), "select order_id from reservations where status = 'held'");
  const charges = await query<{ order_id: string; status: string }>(db('payments'), 'select order_id, status from charges');
  const messages = await query<{ id: string; subject: string }>(db('notifications'), 'select id, subject from messages');
  const pending: Record<string, number> = {};
  for (const service of ['orders', 'payments']) {
    pending[service] = Number(
      (await query<{ n: string }>(db(service), 'select count(*) as n from outbox where published_at is null'))[0]?.n ?? 0,
    );
  }
  const problems: string[] = [];
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  const cancelled = orders.filter((o) => o.status === 'CANCELLED');
  const unfinished = orders.filter((o) => o.status !== 'CONFIRMED' && o.status !== 'CANCELLED');
  if (unfinished.length > 0)
    problems.push(
      `${unfinished.length} orders unfinished: ${unfinished
        .slice(0, 5)
        .map((o) => `${o.id} ${o.status}`)
        .join(', ')}`,
    );
  const sold = new Map<string, number>();
  for (const o of confirmed)
    for (const l of JSON.parse(o.lines) as { productId: string; quantity: number }[])
      sold.set(l.productId, (sold.get(l.productId) ?? 0) + l.quantity);
  for (const p of products) {
    const expected = initialStock - (sold.get(p.id) ?? 0);
    if (Number(p.available) !== expected)
      problems.push(`${p.id}: ${p.available} in stock, expected ${initialStock} − ${sold.get(p.id) ?? 0} = ${expected}`);
  }
  if (unfinished.length === 0 && held.length > 0)
    problems.push(`${held.length} reservations still held with every order finished`);
  const standing = new Map<string, number>();
  for (const c of charges) if (c.status === 'captured') standing.set(c.order_id, (standing.get(c.order_id) ?? 0) + 1);
  for (const o of confirmed)
    if (standing.get(o.id) !== 1) problems.push(`confirmed order ${o.id} has ${standing.get(o.id) ?? 0} standing charges`);
  for (const o of cancelled) if (standing.has(o.id)) problems.push(`cancelled order ${o.id} is still charged`);
  const subjects = new Map<string, number>();
  for (const m of messages) subjects.set(m.subject, (subjects.get(m.subject) ?? 0) + 1);
  if ((subjects.get('We received your order') ?? 0) !== orders.length)
    problems.push(`${subjects.get('We received your order') ?? 0} "received" messages for ${orders.length} orders`);
  if ((subjects.get('Order confirmed') ?? 0) !== confirmed.length)
    problems.push(`${subjects.get('Order confirmed') ?? 0} "confirmed" messages for ${confirmed.length} confirmed orders`);
  if ((subjects.get('Order cancelled') ?? 0) !== cancelled.length)
    problems.push(`${subjects.get('Order cancelled') ?? 0} "cancelled" messages for ${cancelled.length} cancelled orders`);
  for (const [service, n] of Object.entries(pending)) if (n > 0) problems.push(`${n} outbox rows of ${service} not relayed`);
  return {
    orders: orders.length,
    confirmed: confirmed.length,
    cancelled: cancelled.length,
    unfinished: unfinished.length,
    cancelledByPayment: cancelled.filter((o) => o.reason.includes('payment failed')).length,
    charged: [...standing.values()].reduce((a, b) => a + b, 0),
    refunded: charges.filter((c) => c.status === 'refunded').length,
    outboxPending: pending,
    messages: messages.length,
    problems,
  };
}
