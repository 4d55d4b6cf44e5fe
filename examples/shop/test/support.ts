// What the shop's tests share: signing in through the real provider, calling the gateway as a
// browser or curl would, waiting for orders to finish, and cleaning up per-run databases.
import { randomUUID } from 'node:crypto';
import type { IdentityProvider } from '@wharf/identity-provider';
import { databaseUrlFor } from '@wharf/shop-platform';
import pg from 'pg';

/** A user's access token through the authorization code flow with PKCE, as the storefront gets it. */
export function signIn(provider: IdentityProvider, origin: string, user: string): Promise<string> {
  return provider.userToken({
    user,
    clientId: 'storefront',
    redirectUri: `${origin}/callback`,
    resource: 'urn:shop',
    scope: 'openid',
  });
}

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** One HTTP call to the gateway, as a plain client. */
export async function call<T = Record<string, unknown>>(
  origin: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${origin}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

export interface Order {
  id: string;
  status: string;
  total: number;
  reason: string;
  lines: { productId: string; quantity: number; unitPrice: number }[];
  version: number;
}

/** A user ready to order: signed in, with an address. */
export async function shopper(
  provider: IdentityProvider,
  origin: string,
  user: string,
): Promise<{ token: string; addressId: string }> {
  const token = await signIn(provider, origin, user);
  const address = await call<{ id: string }>(origin, 'POST', '/v1/me/addresses', token, {
    label: 'Home',
    line1: '1 Quay Street',
    city: 'Amsterdam',
    postcode: '1011',
    country: 'NL',
  });
  if (address.status !== 201) throw new Error(`adding an address: ${address.status} ${JSON.stringify(address.body)}`);
  return { token, addressId: address.body.id };
}

/** Places an order through the gateway. */
export async function place(
  origin: string,
  who: { token: string; addressId: string },
  lines: { productId: string; quantity: number }[],
): Promise<Answer<Order>> {
  return call<Order>(origin, 'POST', '/v1/orders', who.token, { requestId: randomUUID(), addressId: who.addressId, lines });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the order is CONFIRMED or CANCELLED. */
export function finished(origin: string, token: string, id: string, timeoutMs = 30_000): Promise<Order> {
  return eventually(
    async () => {
      const { body } = await call<Order>(origin, 'GET', `/v1/orders/${id}`, token);
      return body.status === 'CONFIRMED' || body.status === 'CANCELLED' ? body : undefined;
    },
    timeoutMs,
    `order ${id} to finish`,
  );
}

/** A prefix for this run's PostgreSQL databases, so runs never share data. */
export function databasePrefix(what: string): string {
  return `shop_${what}_${randomUUID().slice(0, 8)}`;
}

/** Waits until `n` statements on `client`'s database wait for a lock (for interleaving transactions in a test). */
export async function lockWaiters(client: pg.Client, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await client.query('select pg_stat_clear_snapshot()'); // a transaction sees one snapshot of the activity otherwise
    const { rows } = await client.query<{ n: string }>(
      'select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()',
    );
    if (Number(rows[0]?.n) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${n} statements never waited for a lock`);
}

/** Drops every database of a run (`<prefix>_<service>`). */
export async function dropDatabases(baseUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${prefix}\\_%`,
    ]);
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}

export { databaseUrlFor };
