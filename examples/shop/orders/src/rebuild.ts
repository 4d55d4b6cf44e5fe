// `npm run rebuild -w @wharf/shop-orders`: rebuilds the orders read model from the event store,
// on the database the environment names (DATABASE_URL or SHOP_DATA_DIR), with the service stopped
// or running (the rebuild is one transaction).
import { configFromEnv, messagingMigration, openDatabase } from '@wharf/shop-platform';
import { OrderStore } from './store.js';
import { migrations, type OrdersDb } from './tables.js';

const config = configFromEnv();
const database = await openDatabase<OrdersDb>('orders', config, { '000_messaging': messagingMigration, ...migrations });
const result = await new OrderStore(database.db, { nudge() {} }, database.dialect).rebuild();
console.log(
  `Rebuilt ${result.orders} orders from ${result.events} events in ${database.location}; ${result.changed} rows differed from the live projection`,
);
await database.close();
