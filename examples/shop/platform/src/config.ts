import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Everything a shop process is told from outside: one place, read from the environment. */
export interface ShopConfig {
  /** Where SQLite files go when there is no `databaseUrl`. */
  readonly dataDir: string;
  /** A PostgreSQL URL (`DATABASE_URL`); each service uses its own database derived from it. */
  readonly databaseUrl: string | undefined;
  /** Prefix of the per-service PostgreSQL databases: `<prefix>_<service>`. */
  readonly databasePrefix: string;
  /** RabbitMQ for commands and events; none means the in-memory bus (one process). */
  readonly amqpUrl: string | undefined;
  readonly amqpNamespace: string | undefined;
  /** `etcd://…` (or any `registryFromUrl` string); none means the in-process registry. */
  readonly registryUrl: string | undefined;
  /** The OAuth 2.0 / OpenID provider's issuer; its JWKS and token endpoints hang off it. */
  readonly issuer: string;
  /** This service's client secret at the provider (client credentials for internal commands). */
  readonly clientSecret: string;
  /** Interface and ports; 0 picks a free port. */
  readonly host: string;
  /** The host other processes reach this one at (a pod's IP); default: `host`, or the hostname when it is a wildcard. */
  readonly advertiseHost: string | undefined;
  readonly grpcPort: number;
  readonly adminPort: number;
  /** Which transport reaches which service, e.g. `stock=amqp;payments=amqp;catalog=grpc`. */
  readonly routes: Readonly<Record<string, readonly string[]>>;
  /** OTLP/HTTP endpoint for traces (Jaeger); none: no tracing. */
  readonly otlpEndpoint: string | undefined;
  readonly logLevel: string;
  /** Advertised as `metadata.release` (blue-green routing). */
  readonly release: string;
}

/** `stock=amqp;payments=amqp;catalog=grpc,http` → `{ stock: ['amqp'], … }`. */
export function parseRoutes(text: string | undefined): Record<string, string[]> {
  const routes: Record<string, string[]> = {};
  for (const part of (text ?? '').split(';')) {
    const [service, schemes] = part.split('=');
    if (service?.trim() && schemes?.trim()) routes[service.trim()] = schemes.split(',').map((s) => s.trim());
  }
  return routes;
}

/** The default split: queries over gRPC, commands over AMQP (events always go to the bus). */
export const DEFAULT_ROUTES = 'users=grpc;catalog=grpc;notifications=grpc;orders=grpc;stock=amqp;payments=amqp;orders_admin=grpc';

/** The configuration from `env` (the process environment by default). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ShopConfig {
  const number = (key: string, fallback: number) => (env[key] === undefined || env[key] === '' ? fallback : Number(env[key]));
  return {
    dataDir: env.SHOP_DATA_DIR ?? join(tmpdir(), 'wharf-shop'),
    databaseUrl: env.DATABASE_URL || undefined,
    databasePrefix: env.SHOP_DB_PREFIX ?? 'shop',
    amqpUrl: env.AMQP_URL || undefined,
    amqpNamespace: env.AMQP_NAMESPACE || undefined,
    registryUrl: env.WHARF_REGISTRY || undefined,
    issuer: env.SHOP_ISSUER ?? 'http://127.0.0.1:4100',
    clientSecret: env.SHOP_CLIENT_SECRET ?? '',
    host: env.HOST ?? '127.0.0.1',
    advertiseHost: env.SHOP_ADVERTISE_HOST || undefined,
    grpcPort: number('GRPC_PORT', 0),
    adminPort: number('ADMIN_PORT', 0),
    routes: parseRoutes(env.SHOP_ROUTES ?? DEFAULT_ROUTES),
    otlpEndpoint: env.OTLP_ENDPOINT || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    release: env.SHOP_RELEASE ?? '1',
  };
}
