import { randomUUID } from 'node:crypto';
import { type Context, implement, on, WharfError } from '@wharf/core';
import { catalog, internal, orders, ordersAdmin, TERMINAL, users } from '@wharf/shop-contracts';
import { type ServiceModule, sleep } from '@wharf/shop-platform';
import { OrderSaga } from './saga.js';
import { ConcurrencyConflict, fromRow, OrderStore, view } from './store.js';
import { migrations, type OrdersDb } from './tables.js';

function customerOf(ctx: Context): string {
  const subject = ctx.auth?.subject;
  if (subject === undefined) throw new WharfError('UNAUTHENTICATED', 'Sign in first');
  return subject;
}

/**
 * A product in two lines would take its quantity cap (10 a line) times the lines (20): one line
 * per product keeps the cap per order.
 */
function refuseRepeatedProducts(lines: readonly { productId: string }[]): void {
  const lineOf = new Map<string, number>();
  for (const [i, { productId }] of lines.entries()) {
    const first = lineOf.get(productId);
    if (first !== undefined) {
      throw new WharfError('INVALID_ARGUMENT', `Product ${productId} is in lines ${first} and ${i}: order it in one line`, {
        fieldViolations: [{ field: `lines.${i}.productId`, description: `already in line ${first}` }],
      });
    }
    lineOf.set(productId, i);
  }
}

/** Another customer's order is the same answer as no order: ids cannot be probed. */
function notFound(id: string): WharfError {
  return new WharfError('NOT_FOUND', `No order ${id}`);
}

/**
 * Orders: event-sourced (the `order_events` stream is the state; `orders_view` is a projection
 * written in the same transaction and rebuildable with `orders_admin.rebuild` or `npm run
 * rebuild -w @wharf/shop-orders`), the outbox for its events, and the saga that takes an order
 * through stock and payment. Settings: `ORDERS_SAGA_TIMEOUT_MS` (30 000),
 * `ORDERS_RESERVATION_TTL_MS` (60 000), `ORDERS_STEP_TIMEOUT_MS` (5 000), `ORDERS_SWEEP_MS`
 * (1 000), `ORDERS_STALL_MS` (10 000: an unfinished order untouched this long is resumed),
 * `ORDERS_TRIGGER_WAIT_MS` (20 000: the longest the `orders.placed` handler waits for the saga).
 */
export const ordersService: ServiceModule<OrdersDb> = {
  name: 'orders',
  migrations,
  create({ db, database, settings, outbox, app, logger }) {
    const number = (key: string, fallback: number) => Number(settings[key] ?? fallback);
    const store = new OrderStore(db, outbox, database.dialect);
    const saga = new OrderSaga(
      store,
      app,
      {
        timeoutMs: number('ORDERS_SAGA_TIMEOUT_MS', 30_000),
        reservationTtlMs: number('ORDERS_RESERVATION_TTL_MS', 60_000),
        stepTimeoutMs: number('ORDERS_STEP_TIMEOUT_MS', 5_000),
      },
      logger,
    );
    const stallMs = number('ORDERS_STALL_MS', 10_000);
    const triggerWaitMs = number('ORDERS_TRIGGER_WAIT_MS', 20_000);
    let sweeper: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> | undefined;

    async function owned(id: string, ctx: Context) {
      const found = await store.find(id);
      if (found === undefined || found.customer !== customerOf(ctx)) throw notFound(id);
      return found;
    }

    async function placedOrder(id: string) {
      const found = await store.find(id);
      if (found === undefined) throw new WharfError('INTERNAL', `Order ${id} has a request but no row`);
      return found;
    }

    /** Unfinished orders nobody moved for `stallMs`: a lost trigger, a crash, a saga that gave up. */
    async function sweep(): Promise<void> {
      const stalled = await db
        .selectFrom('orders_view')
        .select('id')
        .where('status', 'not in', [...TERMINAL])
        .where('updated_at', '<', Date.now() - stallMs)
        .orderBy('updated_at')
        .limit(50)
        .execute();
      // Not awaited: one order whose command keeps failing (40 attempts with back-off, over a
      // minute) would hold up the next sweep, and every order that stalled meanwhile, that long.
      for (const { id } of stalled) void saga.advance(id);
    }

    return {
      services: [
        implement(
          orders,
          {
            async place({ requestId, addressId, lines }, ctx) {
              const customer = customerOf(ctx);
              const known = await db
                .selectFrom('order_requests')
                .select('order_id')
                .where('customer', '=', customer)
                .where('request_id', '=', requestId)
                .executeTakeFirst();
              if (known !== undefined) return view(await placedOrder(known.order_id));
              refuseRepeatedProducts(lines);
              // Queries, over gRPC by default: the address as the user (theirs or NOT_FOUND), prices from the catalog.
              const address = await ctx
                .client(users)
                .address({ id: addressId })
                .catch((error: unknown) => {
                  if (WharfError.is(error) && error.code === 'NOT_FOUND') {
                    throw new WharfError('INVALID_ARGUMENT', 'Unknown address', {
                      fieldViolations: [{ field: 'addressId', description: 'not one of your addresses' }],
                    });
                  }
                  throw error;
                });
              const ids = [...new Set(lines.map((l) => l.productId))];
              const { products } = await ctx.client(catalog).lookup({ ids });
              const priced = lines.map((line, i) => {
                const product = products.find((p) => p.id === line.productId);
                if (product === undefined) {
                  throw new WharfError('INVALID_ARGUMENT', `No product ${line.productId}`, {
                    fieldViolations: [{ field: `lines.${i}.productId`, description: 'no such product' }],
                  });
                }
                return { productId: product.id, name: product.name, quantity: line.quantity, unitPrice: product.price };
              });
              const total = priced.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
              const shipTo = `${address.line1}, ${address.postcode} ${address.city}, ${address.country}`;
              const id = randomUUID();
              const placed = { type: 'OrderPlaced' as const, customer, requestId, lines: priced, total, shipTo, at: Date.now() };
              try {
                const state = await store.append(id, 0, [placed], async (trx) => {
                  await trx.insertInto('order_requests').values({ customer, request_id: requestId, order_id: id }).execute();
                });
                return view(state);
              } catch (error) {
                if (!(error instanceof ConcurrencyConflict)) throw error;
                // The same request placed concurrently (a retry): answer the order that won.
                const won = await db
                  .selectFrom('order_requests')
                  .select('order_id')
                  .where('customer', '=', customer)
                  .where('request_id', '=', requestId)
                  .executeTakeFirstOrThrow();
                return view(await placedOrder(won.order_id));
              }
            },
            async get({ id }, ctx) {
              return view(await owned(id, ctx));
            },
            async list(_input, ctx) {
              const rows = await db
                .selectFrom('orders_view')
                .selectAll()
                .where('customer', '=', customerOf(ctx))
                .orderBy('placed_at', 'desc')
                .limit(50)
                .execute();
              return { orders: rows.map((r) => view(fromRow(r))) };
            },
            async cancel({ id }, ctx) {
              for (;;) {
                await owned(id, ctx);
                const state = await store.load(id);
                if (state === undefined) throw notFound(id);
                if (state.status === 'CANCELLING' || state.status === 'CANCELLED') return view(state);
                if (state.status !== 'PLACED' && state.status !== 'RESERVED') {
                  throw new WharfError('FAILED_PRECONDITION', `Order ${id} is ${state.status} and can no longer be cancelled`);
                }
                try {
                  const next = await store.append(id, state.version, [
                    { type: 'CancelRequested', reason: 'cancelled by the customer', at: Date.now() },
                  ]);
                  void saga.advance(id);
                  return view(next);
                } catch (error) {
                  if (!(error instanceof ConcurrencyConflict)) throw error; // the saga moved it: look again
                }
              }
            },
            async *watch({ id }, ctx) {
              let last = -1;
              // Polls the read model: the change may come from any instance of orders.
              while (!ctx.signal.aborted) {
                const state = await owned(id, ctx);
                if (state.version !== last) {
                  last = state.version;
                  yield view(state);
                  if (TERMINAL.includes(state.status)) return;
                }
                await sleep(200, ctx.signal);
              }
            },
          },
          {
            on: {
              // The saga's trigger: orders.placed, relayed by this service's own outbox. It waits
              // for the saga (so the broker's prefetch paces how many run at once) but not past
              // ORDERS_TRIGGER_WAIT_MS: a saga retrying through an outage runs for minutes, and a
              // handler past its deadline would have the event retried and at last dead-lettered.
              // The saga goes on meanwhile, and the sweeper resumes it if this process dies.
              sagaTrigger: on(orders.events.placed.name, {
                input: orders.events.placed.payload,
                auth: internal,
                handler: ({ orderId }, ctx) => Promise.race([saga.advance(orderId), sleep(triggerWaitMs, ctx.signal)]),
              }),
            },
          },
        ),
        implement(ordersAdmin, { rebuild: () => store.rebuild() }),
      ],
      start() {
        sweeper = setInterval(
          () => {
            sweeping ??= sweep()
              .catch((error: unknown) => logger.warn({ err: error }, 'The order sweep failed'))
              .finally(() => {
                sweeping = undefined;
              });
          },
          number('ORDERS_SWEEP_MS', 1_000),
        );
        sweeper.unref();
      },
      async stop() {
        clearInterval(sweeper);
        await sweeping;
        await saga.settled();
      },
    };
  },
};
