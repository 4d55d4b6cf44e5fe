import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Context, implement, on, WharfError } from '@wharf/core';
import { internal, notifications, orders, payments } from '@wharf/shop-contracts';
import { handleOnce, type ServiceModule } from '@wharf/shop-platform';
import { migrations, type NotificationsDb } from './tables.js';

const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;

/**
 * Notifications: turns the shop's events into messages to customers and "sends" them by appending
 * to a mailbox file (`NOTIFICATIONS_MAILBOX`, default `<data dir>/mailbox.jsonl`). Each event is
 * handled once: its id goes into the inbox in the same transaction as its message. Delivery to the
 * file is at least once — a crash between the write and the mark repeats a line with the same
 * message id, which is what a mail provider's idempotency key is for.
 */
export const notificationsService: ServiceModule<NotificationsDb> = {
  name: 'notifications',
  migrations,
  create({ db, database, config, settings, logger }) {
    const mailbox = settings.NOTIFICATIONS_MAILBOX ?? join(config.dataDir, 'mailbox.jsonl');
    let sender: NodeJS.Timeout | undefined;
    let sending: Promise<unknown> | undefined;

    function consumer<P extends { customer: string }>(
      handler: string,
      message: (payload: P) => { subject: string; body: string },
    ) {
      return async (payload: P, ctx: Context) => {
        const id = ctx.event?.id;
        if (id === undefined) throw new WharfError('INVALID_ARGUMENT', 'An event without an id cannot be deduplicated');
        const fresh = await handleOnce(db, `notifications.${handler}`, id, async (trx) => {
          await trx
            .insertInto('messages')
            .values({ id, customer: payload.customer, ...message(payload), sent_at: Date.now(), delivered_at: null })
            .execute();
        });
        if (fresh) send();
      };
    }

    /**
     * Sends what is due and marks it, holding the rows meanwhile: on PostgreSQL another instance
     * (two run during a rolling update) skips them instead of sending them too.
     */
    async function deliver(): Promise<void> {
      await db.transaction().execute(async (trx) => {
        let query = trx.selectFrom('messages').selectAll().where('delivered_at', 'is', null).orderBy('sent_at').limit(200);
        if (database.dialect === 'postgres') query = query.forUpdate().skipLocked();
        const due = await query.execute();
        if (due.length === 0) return;
        await mkdir(dirname(mailbox), { recursive: true });
        await appendFile(
          mailbox,
          due.map((m) => `${JSON.stringify({ id: m.id, to: m.customer, subject: m.subject, body: m.body })}\n`).join(''),
        );
        await trx
          .updateTable('messages')
          .set({ delivered_at: Date.now() })
          .where(
            'id',
            'in',
            due.map((m) => m.id),
          )
          .execute();
      });
    }

    function send(): void {
      sending ??= deliver()
        .catch((error: unknown) => logger.warn({ err: error }, 'Delivering messages failed; retrying'))
        .finally(() => {
          sending = undefined;
        });
    }

    return {
      services: [
        implement(
          notifications,
          {
            async list(_input, ctx) {
              const customer = ctx.auth?.subject ?? '';
              const rows = await db
                .selectFrom('messages')
                .select(['id', 'subject', 'body', 'sent_at'])
                .where('customer', '=', customer)
                .orderBy('sent_at', 'desc')
                .limit(50)
                .execute();
              return { messages: rows.map((r) => ({ id: r.id, subject: r.subject, body: r.body, sentAt: r.sent_at })) };
            },
          },
          {
            on: {
              placed: on(orders.events.placed.name, {
                input: orders.events.placed.payload,
                auth: internal,
                handler: consumer('placed', (e: { orderId: string; customer: string; total: number }) => ({
                  subject: 'We received your order',
                  body: `Order ${e.orderId} for ${euros(e.total)} is on its way through stock and payment.`,
                })),
              }),
              confirmed: on(orders.events.confirmed.name, {
                input: orders.events.confirmed.payload,
                auth: internal,
                handler: consumer('confirmed', (e: { orderId: string; customer: string; total: number }) => ({
                  subject: 'Order confirmed',
                  body: `Order ${e.orderId} is confirmed and paid (${euros(e.total)}).`,
                })),
              }),
              cancelled: on(orders.events.cancelled.name, {
                input: orders.events.cancelled.payload,
                auth: internal,
                handler: consumer('cancelled', (e: { orderId: string; customer: string; reason: string }) => ({
                  subject: 'Order cancelled',
                  body: `Order ${e.orderId} was cancelled: ${e.reason}.`,
                })),
              }),
              refunded: on(payments.events.refunded.name, {
                input: payments.events.refunded.payload,
                auth: internal,
                handler: consumer('refunded', (e: { orderId: string; customer: string; amount: number }) => ({
                  subject: 'Payment refunded',
                  body: `We refunded ${euros(e.amount)} for order ${e.orderId}.`,
                })),
              }),
            },
          },
        ),
      ],
      start() {
        sender = setInterval(send, 1_000);
        sender.unref();
        send();
      },
      async stop() {
        clearInterval(sender);
        await sending;
      },
    };
  },
};
