// `npm run shop:distributed`: the shop as separate processes on the real parts of this machine —
// RabbitMQ, etcd, PostgreSQL, Redis, Prometheus and Jaeger, started by tools/services when they
// are not running — with two instances of orders and catalog and two gateways. Ctrl-C drains and
// stops every process. Environment: AMQP_URL, DATABASE_URL, ETCD_URL, REDIS_URL (tools/services'
// defaults), SHOP_BASE_PORT (default 4100: provider 4100, gateways 4101–4102, then each service's
// gRPC and admin ports), PAYMENTS_FAILURE_RATE, PAYMENTS_LATENCY_MS.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusDirs, serviceUrl } from '@wharf/real-parts';
import { ShopCluster } from './cluster.js';

const root = new URL('../../../', import.meta.url).pathname;
execFileSync(join(root, 'tools/services'), ['up', 'rabbitmq', 'postgres', 'etcd', 'redis', 'prometheus', 'jaeger'], {
  stdio: 'inherit',
});

const cluster = new ShopCluster({
  databaseUrl: serviceUrl('postgres'),
  databasePrefix: process.env.SHOP_DB_PREFIX ?? 'shop',
  amqpUrl: serviceUrl('rabbitmq'),
  amqpNamespace: 'shop',
  etcd: new URL(serviceUrl('etcd')).host,
  registryNamespace: 'shop',
  redisUrl: serviceUrl('redis'),
  otlpEndpoint: process.env.OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
  basePort: Number(process.env.SHOP_BASE_PORT ?? 4100),
  logDir: process.env.SHOP_LOG_DIR ?? '/tmp/wharf-shop-distributed/logs',
  env: {
    PAYMENTS_FAILURE_RATE: process.env.PAYMENTS_FAILURE_RATE ?? '0.1',
    PAYMENTS_LATENCY_MS: process.env.PAYMENTS_LATENCY_MS ?? '50-300',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
});
await cluster.start();

// Prometheus scrapes every service's admin listener (file_sd: picked up within a second).
const targets = [...cluster.processes.values()]
  .filter((p) => p.role !== 'provider' && p.role !== 'gateway')
  .map((p) => ({ targets: [`127.0.0.1:${p.port}`], labels: { job: 'wharf-shop', service: p.role, instance_name: p.name } }));
writeFileSync(join(prometheusDirs().targets, 'wharf-shop.json'), JSON.stringify(targets, null, 2));

const processes = [...cluster.processes.values()].map(
  (p) =>
    `    ${p.name.padEnd(16)} ${p.role === 'gateway' || p.role === 'provider' ? `http://127.0.0.1:${p.port}` : `admin http://127.0.0.1:${p.port}/health/ready`}`,
);
console.log(`
  Wharf shop, distributed: ${cluster.processes.size} processes.

    Storefront     ${cluster.gatewayUrls.join('  and  ')}
    Demo login     user "demo", any password
    Traces         ${serviceUrl('jaeger')} (Jaeger)       Metrics  ${serviceUrl('prometheus')} (job wharf-shop)
    RabbitMQ       exchanges and queues prefixed shop.    Registry etcd, namespace shop (wharf-registry list)
    Logs           ${cluster.options.logDir}

${processes.join('\n')}

  Ctrl-C drains and stops every process.
`);
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
