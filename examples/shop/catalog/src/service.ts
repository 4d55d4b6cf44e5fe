import { implement, WharfError } from '@wharf/core';
import { catalog, stock } from '@wharf/shop-contracts';
import type { ServiceModule } from '@wharf/shop-platform';
import { Stock } from './stock.js';
import { type CatalogDb, migrations, SEED } from './tables.js';

const columns = ['id', 'name', 'description', 'price', 'available'] as const;

/**
 * The catalog: products and prices (queries, over gRPC), and stock held per order (commands,
 * over AMQP) with reservations that expire. Settings: `CATALOG_INITIAL_STOCK` (units of each
 * product a new catalog starts with, default 100), `CATALOG_SWEEP_MS` (how often expired
 * reservations are released, default 1 000).
 */
export const catalogService: ServiceModule<CatalogDb> = {
  name: 'catalog',
  migrations,
  create({ db, settings, logger }) {
    const held = new Stock(db);
    let sweeper: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> | undefined;
    return {
      services: [
        implement(catalog, {
          async products() {
            return { products: await db.selectFrom('products').select(columns).orderBy('price').execute() };
          },
          async product({ id }) {
            const found = await db.selectFrom('products').select(columns).where('id', '=', id).executeTakeFirst();
            if (found === undefined) throw new WharfError('NOT_FOUND', `No product ${id}`);
            return found;
          },
          async lookup({ ids }) {
            return { products: await db.selectFrom('products').select(columns).where('id', 'in', ids).execute() };
          },
        }),
        implement(stock, {
          reserve: ({ orderId, lines, ttlMs }) => held.reserve(orderId, lines, ttlMs),
          commit: ({ orderId }) => held.commit(orderId),
          release: ({ orderId }) => held.release(orderId),
        }),
      ],
      async start() {
        const units = Number(settings.CATALOG_INITIAL_STOCK ?? 100);
        // A new catalog gets the seed products; an existing one keeps its stock.
        await db
          .insertInto('products')
          .values(SEED.map((p) => ({ ...p, available: units })))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        sweeper = setInterval(
          () => {
            sweeping ??= held
              .expire()
              .then((n) => n > 0 && logger.info({ released: n }, 'Released expired reservations'))
              .catch((error: unknown) => logger.warn({ err: error }, 'The reservation sweep failed'))
              .finally(() => {
                sweeping = undefined;
              });
          },
          Number(settings.CATALOG_SWEEP_MS ?? 1_000),
        );
        sweeper.unref();
      },
      async stop() {
        clearInterval(sweeper);
        await sweeping;
      },
    };
  },
};
