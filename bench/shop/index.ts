// bench:shop — orders per second end to end through the gateways in the shop's distributed mode
// (every service its own process on RabbitMQ, etcd, PostgreSQL and Redis), with the p50/p99 of
// placing an order and of the whole saga, and where the time goes: the gateway hop, each service's
// handlers (their database work), and the broker between the AMQP commands' callers and handlers,
// read from the services' own metrics. Needs `tools/services up rabbitmq postgres etcd redis`.
//   SHOP_BENCH_ORDERS (default 1000), SHOP_BENCH_CONCURRENCY (default 64)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeMany, quantile, ShopCluster, verifyShop } from '@wharf/example-shop';
import { userToken } from '@wharf/identity-provider';
import { deleteAmqpNamespace } from '@wharf/real-parts';
import { databaseUrlFor } from '@wharf/shop-platform';
import pg from 'pg';
import { meanMs, scrape } from './metrics.js';

const env = process.env;
const ORDERS = Number(env.SHOP_BENCH_ORDERS ?? 1000);
const CONCURRENCY = Number(env.SHOP_BENCH_CONCURRENCY ?? 64);
const INITIAL = 1_000_000;
const database = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = randomUUID().slice(0, 8);
const prefix = `shop_bench_${run}`;
const logDir = mkdtempSync(join(tmpdir(), 'wharf-shop-bench-'));

const cluster = new ShopCluster({
  databaseUrl: database,
  databasePrefix: prefix,
  amqpUrl: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  amqpNamespace: `bench-${run}`,
  etcd: new URL(env.ETCD_URL ?? 'http://127.0.0.1:2379').host,
  registryNamespace: `bench-${run}`,
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  logDir,
  env: {
    PAYMENTS_FAILURE_RATE: '0.2',
    PAYMENTS_LATENCY_MS: '0', // the simulated card network's own wait is not the framework's cost
    CATALOG_INITIAL_STOCK: String(INITIAL),
    SHOP_RATE_USER: '100000/100000',
    SHOP_RATE_IP: '100000/100000',
  },
});

async function main(): Promise<void> {
  console.log(
    `bench:shop — ${ORDERS} orders, ${CONCURRENCY} in flight, ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  await cluster.start();
  const gateway = cluster.gatewayUrls[0] as string;
  const shoppers = await Promise.all(
    Array.from({ length: 32 }, async (_, i) => {
      const token = await userToken(cluster.issuer, {
        user: `bench${i}`,
        clientId: 'storefront',
        redirectUri: `${gateway}/callback`,
        resource: 'urn:shop',
        scope: 'openid',
      });
      const response = await fetch(`${gateway}/v1/me/addresses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ label: 'Home', line1: '1 Dock', city: 'Antwerp', postcode: '2000', country: 'BE' }),
      });
      return { token, addressId: ((await response.json()) as { id: string }).id };
    }),
  );
  const lines = (i: number) => [{ productId: ['mug', 'tee', 'cap'][i % 3] as string, quantity: 1 }];
  const admin = [...cluster.processes.values()].filter((p) => p.role !== 'gateway' && p.role !== 'provider').map((p) => p.port);

  // Warm-up: connections, JIT, token caches.
  await placeMany({ gateways: cluster.gatewayUrls, shoppers, count: 100, concurrency: CONCURRENCY, lines });
  await settle();
  const before = await scrape(admin);
  const cpuBefore = cpuByRole();
  const started = Date.now();
  const { placed, failed } = await placeMany({
    gateways: cluster.gatewayUrls,
    shoppers,
    count: ORDERS,
    concurrency: CONCURRENCY,
    lines,
  });
  const placedMs = Date.now() - started;
  await settle();
  const doneMs = Date.now() - started;
  const after = await scrape(admin);
  const cpuAfter = cpuByRole();
  const cpu = [...cpuAfter]
    .map(([role, ms]) => `${role} ${((ms - (cpuBefore.get(role) ?? 0)) / placed.length).toFixed(1)}`)
    .join(', ');

  const client = new pg.Client({ connectionString: databaseUrlFor(database, `${prefix}_orders`) });
  await client.connect();
  const ids = placed.map((p) => p.id);
  const { rows } = await client.query<{ status: string; ms: number }>(
    'select status, (updated_at - placed_at)::float8 as ms from orders_view where id = any($1)',
    [ids],
  );
  await client.end();
  const report = await verifyShop(database, prefix, INITIAL);
  const e2e = rows.map((r) => Number(r.ms));
  const place = placed.map((p) => p.ms);
  const row = (what: string, key: string) => {
    const { ms, calls } = meanMs(before, after, key);
    return `| ${what.padEnd(44)} | ${Number.isNaN(ms) ? '—' : ms.toFixed(2).padStart(8)} | ${String(calls).padStart(6)} |`;
  };
  console.log(`
placed ${placed.length} (${failed.length} failed) in ${(placedMs / 1000).toFixed(1)} s: ${(placed.length / (placedMs / 1000)).toFixed(0)} orders/s accepted
finished in ${(doneMs / 1000).toFixed(1)} s: ${(placed.length / (doneMs / 1000)).toFixed(0)} orders/s end to end (placed → CONFIRMED/CANCELLED), ${rows.filter((r) => r.status === 'CONFIRMED').length} confirmed, ${rows.filter((r) => r.status === 'CANCELLED').length} cancelled
place (POST /v1/orders through a gateway): p50 ${quantile(place, 0.5).toFixed(1)} ms, p99 ${quantile(place, 0.99).toFixed(1)} ms
whole saga (placed → finished, from the order's own timestamps): p50 ${quantile(e2e, 0.5).toFixed(1)} ms, p99 ${quantile(e2e, 0.99).toFixed(1)} ms
invariants: ${report.problems.length === 0 ? 'all hold' : report.problems.join('; ')}

Where the time goes (mean per call over the measured run, from the services' metrics):

| step                                         |  mean ms |  calls |
| -------------------------------------------- | -------: | -----: |
${row('orders.place, handler (as orders saw it)', 'server/orders.place')}
${row('  users.address over gRPC (caller)', 'client/users.address')}
${row('  users.address handler (database)', 'server/users.address')}
${row('  catalog.lookup over gRPC (caller)', 'client/catalog.lookup')}
${row('  catalog.lookup handler (database)', 'server/catalog.lookup')}
${row('saga trigger (orders.placed, whole saga)', 'server/orders.sagaTrigger')}
${row('  stock.reserve over AMQP (caller)', 'client/stock.reserve')}
${row('  stock.reserve handler (database)', 'server/stock.reserve')}
${row('  payments.charge over AMQP (caller)', 'client/payments.charge')}
${row('  payments.charge handler (database)', 'server/payments.charge')}
${row('  stock.commit over AMQP (caller)', 'client/stock.commit')}
${row('  stock.commit handler (database)', 'server/stock.commit')}
${row('  stock.release over AMQP (caller)', 'client/stock.release')}
${row('  payments.void over AMQP (caller)', 'client/payments.void')}
${row('notifications (one event, inbox + message)', 'server/notifications.placed')}

Node CPU per order, ms, by process role (the machine is shared and has 2 cores: past ~2 cores of
work every figure above is mostly waiting for a core): ${cpu}

gateway hop (client's place p50 − orders.place handler mean): ~${(quantile(place, 0.5) - meanMs(before, after, 'server/orders.place').ms).toFixed(1)} ms
broker (AMQP command caller − handler, mean): reserve ${(meanMs(before, after, 'client/stock.reserve').ms - meanMs(before, after, 'server/stock.reserve').ms).toFixed(2)} ms, charge ${(meanMs(before, after, 'client/payments.charge').ms - meanMs(before, after, 'server/payments.charge').ms).toFixed(2)} ms, commit ${(meanMs(before, after, 'client/stock.commit').ms - meanMs(before, after, 'server/stock.commit').ms).toFixed(2)} ms
`);
}

/** CPU time (user + system, ms) of each role's processes so far, from /proc. */
function cpuByRole(): Map<string, number> {
  const ticks = 10; // ms per clock tick (USER_HZ 100)
  const byRole = new Map<string, number>();
  for (const p of cluster.processes.values()) {
    const pid = p.child?.pid;
    if (pid === undefined) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const ms = (Number(fields[11]) + Number(fields[12])) * ticks;
      byRole.set(p.role, (byRole.get(p.role) ?? 0) + ms);
    } catch {
      // the process is gone
    }
  }
  return byRole;
}

/** Waits until no order of the run is unfinished (bounded: 3 minutes). */
async function settle(): Promise<void> {
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    const report = await verifyShop(database, prefix, INITIAL);
    if (report.unfinished === 0 && report.outboxPending.orders === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('orders did not finish within 3 minutes');
}

try {
  await main();
} finally {
  await cluster.stop();
  const admin = new pg.Client({ connectionString: database });
  await admin.connect();
  for (const service of ['users', 'catalog', 'orders', 'payments', 'notifications']) {
    await admin.query(`drop database if exists "${prefix}_${service}" with (force)`).catch(() => {});
  }
  await admin.end();
  await deleteAmqpNamespace(`bench-${run}`).catch(() => {});
  rmSync(logDir, { recursive: true, force: true });
}
