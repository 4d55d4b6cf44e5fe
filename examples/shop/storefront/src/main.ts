// The shop's gateway as its own process (run two for the distributed mode):
//   PORT             where it listens (default 8080); HOST (default 127.0.0.1)
//   WHARF_REGISTRY   where the services are found, e.g. etcd://127.0.0.1:2379?namespace=shop
//   SHOP_ISSUER      the OAuth 2.0 provider; SHOP_STOREFRONT_CLIENT its public client (default storefront)
//   REDIS_URL        rate-limit buckets shared by every gateway instance
//   SHOP_RATE_USER / SHOP_RATE_IP   "rate/burst" per signed-in user and per client IP
//   OTLP_ENDPOINT    traces to Jaeger
import { registryFromUrl } from '@wharf/registry';
import { grpcTransport } from '@wharf/transport-grpc';
import { shopGateway } from './gateway.js';

const env = process.env;
const rate = (text: string | undefined) => {
  if (text === undefined || text === '') return undefined;
  const [r, b] = text.split('/').map(Number);
  return { rate: r ?? 1, burst: b ?? r ?? 1 };
};
let tracing: { shutdown(): Promise<void> } | undefined;
if (env.OTLP_ENDPOINT) {
  const { startTracing } = await import('@wharf/observability/otel');
  tracing = startTracing({
    serviceName: 'gateway',
    otlpEndpoint: env.OTLP_ENDPOINT,
    sampleRatio: Number(env.OTLP_SAMPLE_RATIO ?? 1),
  });
}
const registry = registryFromUrl(env.WHARF_REGISTRY ?? 'etcd://127.0.0.1:2379?namespace=shop');
const gateway = shopGateway({
  registry,
  transports: [grpcTransport()],
  issuer: env.SHOP_ISSUER ?? 'http://127.0.0.1:4100',
  clientId: env.SHOP_STOREFRONT_CLIENT ?? 'storefront',
  port: Number(env.PORT ?? 8080),
  host: env.HOST ?? '127.0.0.1',
  redisUrl: env.REDIS_URL || undefined,
  rateLimit: { perIdentity: rate(env.SHOP_RATE_USER), perIp: rate(env.SHOP_RATE_IP) },
  name: env.SHOP_GATEWAY_NAME ?? 'gateway',
  logger: { level: env.LOG_LEVEL ?? 'info' },
});
await gateway.start();
process.stdout.write(`${JSON.stringify({ message: 'gateway is up', url: gateway.url })}\n`);
const stop = async () => {
  await gateway.stop();
  await registry.close();
  await tracing?.shutdown();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
