import { randomUUID } from 'node:crypto';
import { implement } from '@wharf/core';
import { payments } from '@wharf/shop-contracts';
import { addToOutbox, type ServiceModule, sleep } from '@wharf/shop-platform';
import { declined, latency, parseLatency } from './provider.js';
import { type ChargesTable, migrations, type PaymentsDb } from './tables.js';

function answer(row: ChargesTable) {
  const status = row.status === 'refunded' ? ('voided' as const) : row.status;
  return { status, paymentId: row.payment_id, reason: row.reason };
}

/**
 * Payments: a simulated provider. A charge is made once per idempotency key — the key's row is the
 * record, written with its outbox event in one transaction — so a charge retried after a timeout
 * or a crash answers the first outcome. Settings: `PAYMENTS_LATENCY_MS` (`"20-80"`, default
 * `"50-300"`), `PAYMENTS_FAILURE_RATE` (0–1, default 0.1).
 */
export const paymentsService: ServiceModule<PaymentsDb> = {
  name: 'payments',
  migrations,
  create({ db, settings, outbox }) {
    const behaviour = {
      latencyMs: parseLatency(settings.PAYMENTS_LATENCY_MS, [50, 300]),
      failureRate: Number(settings.PAYMENTS_FAILURE_RATE ?? 0.1),
    };
    const find = (key: string) => db.selectFrom('charges').selectAll().where('key', '=', key).executeTakeFirst();
    return {
      services: [
        implement(payments, {
          async charge({ key, orderId, customer, amount }, ctx) {
            const known = await find(key);
            if (known !== undefined) return answer(known);
            await sleep(latency(behaviour.latencyMs), ctx.signal); // the card network
            ctx.signal.throwIfAborted();
            const now = Date.now();
            const failed = declined(key, behaviour.failureRate);
            const row: ChargesTable = {
              key,
              order_id: orderId,
              customer,
              amount,
              status: failed ? 'failed' : 'captured',
              payment_id: randomUUID(),
              reason: failed ? 'card declined' : '',
              created_at: now,
              updated_at: now,
            };
            await db.transaction().execute(async (trx) => {
              const inserted = await trx
                .insertInto('charges')
                .values(row)
                .onConflict((oc) => oc.column('key').doNothing())
                .executeTakeFirst();
              if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 && !failed) {
                await addToOutbox(trx, [
                  {
                    name: payments.events.captured.name,
                    payload: { paymentId: row.payment_id, orderId, customer, amount },
                    id: `captured:${key}`,
                  },
                ]);
              }
            });
            outbox.nudge();
            return answer((await find(key)) as ChargesTable); // the row that won, if a repeat raced this one
          },
          async void({ key }) {
            const result = await db.transaction().execute(async (trx) => {
              const now = Date.now();
              // Blocks the key when nothing was charged yet: a charge still on its way will find it.
              await trx
                .insertInto('charges')
                .values({
                  key,
                  order_id: key,
                  customer: '',
                  amount: 0,
                  status: 'voided',
                  payment_id: '',
                  reason: 'voided before any charge',
                  created_at: now,
                  updated_at: now,
                })
                .onConflict((oc) => oc.column('key').doNothing())
                .execute();
              const refunded = await trx
                .updateTable('charges')
                .set({ status: 'refunded', reason: 'refunded: the order was cancelled', updated_at: now })
                .where('key', '=', key)
                .where('status', '=', 'captured')
                .returningAll()
                .executeTakeFirst();
              if (refunded !== undefined) {
                const { payment_id: paymentId, order_id: orderId, customer, amount } = refunded;
                await addToOutbox(trx, [
                  {
                    name: payments.events.refunded.name,
                    payload: { paymentId, orderId, customer, amount },
                    id: `refunded:${key}`,
                  },
                ]);
                return 'refunded' as const;
              }
              const row = await trx.selectFrom('charges').select('status').where('key', '=', key).executeTakeFirstOrThrow();
              return row.status === 'failed'
                ? ('failed' as const)
                : row.status === 'refunded'
                  ? ('refunded' as const)
                  : ('voided' as const);
            });
            outbox.nudge();
            return { status: result };
          },
        }),
      ],
    };
  },
};
