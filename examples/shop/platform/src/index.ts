// The whole public surface of @wharf/shop-platform: what every shop service stands on.
export { type AdminListener, adminListener } from './admin-listener.js';
export { configFromEnv, DEFAULT_ROUTES, parseRoutes, type ShopConfig } from './config.js';
export { type Database, type Dialect, databaseUrlFor, isUniqueViolation, openDatabase } from './database.js';
export { handleOnce } from './inbox.js';
export { internalCallers } from './internal-callers.js';
export { type InboxTable, type MessagingTables, messagingMigration, type OutboxTable } from './messaging-tables.js';
export { addToOutbox, type OutboxEvent, OutboxRelay, type OutboxRelayOptions, type Publisher } from './outbox.js';
export { inProcessRegistry, shopRegistry } from './registry.js';
export { routedRegistry } from './routed-registry.js';
export { runFromEnv } from './run-from-env.js';
export {
  type Embedded,
  type RunningService,
  SERVICE_NAMES,
  type ServiceEnv,
  type ServiceModule,
  type ServiceParts,
  startService,
} from './runtime.js';
export { schemeOf } from './scheme.js';
export { sleep } from './sleep.js';
