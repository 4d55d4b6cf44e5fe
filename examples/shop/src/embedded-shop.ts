import { MemoryNetwork, memoryTransport } from '@wharf/core';
import type { Gateway } from '@wharf/gateway';
import type { IdentityProvider } from '@wharf/identity-provider';
import { catalogService } from '@wharf/shop-catalog';
import { notificationsService } from '@wharf/shop-notifications';
import { ordersService } from '@wharf/shop-orders';
import { paymentsService } from '@wharf/shop-payments';
import {
  configFromEnv,
  type Embedded,
  inProcessRegistry,
  type RunningService,
  type ServiceModule,
  startService,
} from '@wharf/shop-platform';
import { shopGateway } from '@wharf/shop-storefront';
import { usersService } from '@wharf/shop-users';
import { freePort } from './ports.js';
import { STOREFRONT_CLIENT, serviceSecrets, startShopProvider } from './provider.js';

/** Every service module, in start order (callees before callers). */
export const MODULES: readonly ServiceModule<never>[] = [
  usersService,
  catalogService,
  paymentsService,
  notificationsService,
  ordersService,
] as unknown as ServiceModule<never>[];

/** What `startEmbeddedShop` takes. */
export interface EmbeddedShopOptions {
  /** SQLite files go here, unless `databaseUrl` names a PostgreSQL server. */
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  /** Prefix of the per-service PostgreSQL databases (default `shop`). */
  readonly databasePrefix?: string;
  /** The gateway's port: 8080 by default (a free one if 8080 is taken); 0 for any. */
  readonly port?: number;
  readonly providerPort?: number;
  /** Service settings: `PAYMENTS_FAILURE_RATE`, `ORDERS_SAGA_TIMEOUT_MS`, `CATALOG_INITIAL_STOCK`… */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  readonly logLevel?: string;
}

/** The whole shop in this process. */
export interface EmbeddedShop {
  /** The storefront and API origin. */
  readonly url: string;
  readonly provider: IdentityProvider;
  readonly gateway: Gateway;
  readonly services: Readonly<Record<string, RunningService>>;
  /** The in-memory network and registry the services share (a caller of your own can join them). */
  readonly embedded: Embedded;
  stop(): Promise<void>;
}

/**
 * The whole shop in one process, on embedded defaults: every service its own app with its own
 * SQLite file (or PostgreSQL database), one in-memory network and bus between them, the embedded
 * OAuth provider, and the gateway serving the storefront. Nothing else needs to run.
 */
export async function startEmbeddedShop(options: EmbeddedShopOptions = {}): Promise<EmbeddedShop> {
  const port = await freePort(options.port ?? 8080);
  const providerPort = await freePort(options.providerPort ?? 4100);
  const url = `http://127.0.0.1:${port}`;
  const secrets = serviceSecrets();
  const provider = await startShopProvider({ port: providerPort, secrets, origins: [url] });
  const base = configFromEnv({});
  const embedded = { network: new MemoryNetwork(), registry: inProcessRegistry() };
  const services: Record<string, RunningService> = {};
  const settings = { ...(options.settings ?? {}) };
  try {
    for (const module of MODULES) {
      const config = {
        ...base,
        dataDir: options.dataDir ?? base.dataDir,
        databaseUrl: options.databaseUrl,
        databasePrefix: options.databasePrefix ?? base.databasePrefix,
        issuer: provider.issuer,
        clientSecret: secrets[module.name] as string,
        logLevel: options.logLevel ?? 'warn',
        amqpUrl: undefined,
        registryUrl: undefined,
      };
      services[module.name] = await startService(module, config, { embedded, settings });
    }
  } catch (error) {
    for (const running of Object.values(services).reverse()) await running.stop().catch(() => {});
    await provider.close();
    throw error;
  }
  const gateway = shopGateway({
    registry: embedded.registry,
    transports: [memoryTransport({ network: embedded.network })],
    issuer: provider.issuer,
    clientId: STOREFRONT_CLIENT,
    port,
    logger: { level: options.logLevel ?? 'warn' },
  });
  await gateway.start();
  return {
    url,
    provider,
    gateway,
    services,
    embedded,
    async stop() {
      await gateway.stop();
      for (const running of Object.values(services).reverse()) await running.stop();
      await embedded.registry.close();
      await provider.close();
    },
  };
}
