import { authGuard, type ClientCredentials, clientCredentials } from '@wharf/auth';
import { type App, createApp, type Logger, type MemoryNetwork, memoryTransport, type Transport } from '@wharf/core';
import { observability } from '@wharf/observability';
import { resilientClient, type WharfRegistry } from '@wharf/registry';
import { INTERNAL_SCOPE, SHOP_AUDIENCE } from '@wharf/shop-contracts';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { type AdminListener, adminListener } from './admin-listener.js';
import type { ShopConfig } from './config.js';
import { type Database, openDatabase } from './database.js';
import { internalCallers } from './internal-callers.js';
import { type MessagingTables, messagingMigration } from './messaging-tables.js';
import { OutboxRelay } from './outbox.js';
import { shopRegistry } from './registry.js';
import { routedRegistry } from './routed-registry.js';
import { subjectLimit } from './subject-limit.js';

/** The shop's services: the client ids of the provider's confidential clients, one per service. */
export const SERVICE_NAMES = ['users', 'catalog', 'orders', 'payments', 'notifications'] as const;

/** What a service module gets to build its handlers and background work. */
export interface ServiceEnv<DB extends MessagingTables> {
  readonly name: string;
  readonly database: Database<DB>;
  readonly db: Kysely<DB>;
  readonly config: ShopConfig;
  /** Settings of this service (e.g. `PAYMENTS_FAILURE_RATE`), from the environment or the embedded runner. */
  readonly settings: Readonly<Record<string, string | undefined>>;
  readonly outbox: OutboxRelay;
  /** The app, once created (handlers and background work use it after start). */
  readonly app: () => App;
  readonly logger: Logger;
}

/** What a service module builds. */
export interface ServiceParts {
  readonly services: readonly object[];
  /** Background work started after the app is up (sweepers, timers). */
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** A shop service: its name, its migrations, and how to build it on its database. */
export interface ServiceModule<DB extends MessagingTables = MessagingTables> {
  readonly name: string;
  readonly migrations: Readonly<Record<string, Migration>>;
  create(env: ServiceEnv<DB>): ServiceParts;
}

/** One process running every service (`npm start`): a shared in-memory network and registry. */
export interface Embedded {
  readonly network: MemoryNetwork;
  readonly registry: WharfRegistry;
}

/** A running service. */
export interface RunningService {
  readonly name: string;
  readonly app: App;
  readonly database: Database<MessagingTables>;
  readonly outbox: OutboxRelay;
  readonly admin: AdminListener | undefined;
  readonly credentials: ClientCredentials;
  stop(): Promise<void>;
}

/**
 * Starts one service: opens and migrates its database, builds its app — the auth guard (tokens
 * from the shop's provider, deny by default), internal commands for the shop's own clients only,
 * client credentials for the commands it sends, observability — on the transports the
 * configuration names (gRPC for queries and AMQP for commands and events, or one in-memory
 * network), and starts the outbox relay and the service's background work.
 */
export async function startService<DB extends MessagingTables>(
  module: ServiceModule<DB>,
  config: ShopConfig,
  options: { embedded?: Embedded; settings?: Readonly<Record<string, string | undefined>> } = {},
): Promise<RunningService> {
  const name = module.name;
  const database = await openDatabase<DB>(name, config, { '000_messaging': messagingMigration, ...module.migrations });
  const obs = observability({
    metrics: { runtime: options.embedded === undefined },
    tracing: config.otlpEndpoint === undefined ? false : {},
    logs: { serviceVersion: '1.0.0', level: config.logLevel },
  });
  let app: App | undefined;
  const late = () => {
    if (app === undefined) throw new Error(`${name}: the app is not created yet`);
    return app;
  };
  const logger = obs.app.logger?.({ name, instanceId: name }) as Logger;
  const credentials = clientCredentials({
    tokenUrl: `${config.issuer}/token`,
    clientId: name,
    clientSecret: config.clientSecret,
    scope: INTERNAL_SCOPE,
    resource: SHOP_AUDIENCE,
    // Internal commands go as this service; queries forward the user's own token.
    services: ['stock', 'payments'],
  });
  const outbox = new OutboxRelay({
    db: database.db as unknown as Kysely<MessagingTables>,
    dialect: database.dialect,
    publisher: { emit: (event, payload, emitOptions) => late().emit(event, payload, emitOptions) },
    authorization: () => credentials.authorization(),
    logger,
  });
  const parts = module.create({
    name,
    database,
    db: database.db,
    config,
    settings: options.settings ?? process.env,
    outbox,
    app: late,
    logger,
  });

  const registry = options.embedded?.registry ?? shopRegistry(config, logger);
  const stack = resilientClient({ registry: routedRegistryFor(registry, config), middleware: [obs.middleware, credentials] });
  const admin =
    options.embedded === undefined
      ? adminListener({ app: late, metrics: obs.metrics, host: config.host, port: config.adminPort })
      : undefined;
  const transports: Transport[] =
    options.embedded === undefined
      ? [
          grpcTransport({ port: config.grpcPort, host: config.host, advertiseHost: config.advertiseHost }),
          amqpTransport({
            url: config.amqpUrl,
            namespace: config.amqpNamespace,
            forwardAuthorizationInEvents: true, // events carry the emitting service's own token
            retry: { maxAttempts: 8, initialDelayMs: 200, factor: 2, maxDelayMs: 5_000 },
          }),
          admin as AdminListener,
        ]
      : [memoryTransport({ network: options.embedded.network })];
  const guard = authGuard({ issuer: config.issuer, audience: SHOP_AUDIENCE, jwks: `${config.issuer}/jwks` });
  app = createApp({
    name,
    services: [...parts.services],
    transports,
    ...stack,
    middleware: {
      server: ({ requestLog, validation }) => [
        obs.middleware,
        ...(requestLog === undefined ? [] : [requestLog]),
        guard,
        subjectLimit(),
        internalCallers(SERVICE_NAMES),
        validation,
      ],
      client: stack.middleware.client,
    },
    observers: obs.app.observers,
    logger: obs.app.logger,
    metadata: { release: config.release },
    shutdown: { signals: false, timeoutMs: 5_000 },
  });
  await app.start();
  outbox.start();
  await parts.start?.();
  const started = app;
  return {
    name,
    app: started,
    database: database as unknown as Database<MessagingTables>,
    outbox,
    admin,
    credentials,
    async stop() {
      await parts.stop?.();
      await started.stop(); // deregisters, drains in-flight calls and events
      await outbox.stop();
      if (options.embedded === undefined) await registry.close();
      await database.close();
    },
  };
}

function routedRegistryFor(registry: WharfRegistry, config: ShopConfig): WharfRegistry {
  return Object.keys(config.routes).length === 0 ? registry : routedRegistry(registry, config.routes);
}
