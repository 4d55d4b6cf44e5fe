// `npm start`: the whole shop in this process, on embedded defaults — no broker, registry or
// database server needed. SHOP_DATA_DIR (default: <tmp>/wharf-shop) holds one SQLite file per
// service; DATABASE_URL puts them on PostgreSQL instead; PORT (default 8080) is the storefront's.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedShop } from './embedded-shop.js';

const dataDir = process.env.SHOP_DATA_DIR ?? join(tmpdir(), 'wharf-shop');
const shop = await startEmbeddedShop({
  dataDir,
  databaseUrl: process.env.DATABASE_URL || undefined,
  port: Number(process.env.PORT ?? 8080),
  settings: process.env,
  logLevel: process.env.LOG_LEVEL ?? 'warn',
});
const where = process.env.DATABASE_URL ? 'PostgreSQL (a database per service)' : `SQLite files in ${dataDir}`;
console.log(`
  Wharf shop is running — users, catalog, orders, payments and notifications, each with its own database.

    Storefront    ${shop.url}
    Demo login    user "demo", any password (the embedded provider's sign-in accepts any name;
                  "admin" also has the admin role)
    API docs      ${shop.url}/docs   (OpenAPI: ${shop.url}/openapi.json)
    Provider      ${shop.provider.issuer}
    Data          ${where}

  Ctrl-C stops it (in-flight orders are drained first).
`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await shop.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
