import type { Kysely, Transaction } from 'kysely';
import type { MessagingTables } from './messaging-tables.js';

/**
 * Runs `effect` once per message for `consumer`: the message id goes into the inbox in the same
 * transaction as the effect, so a redelivered message (the broker's at-least-once, a republished
 * outbox row) finds its id there and changes nothing. Returns false for a duplicate.
 *
 * On PostgreSQL a duplicate delivered while the first is still in its transaction waits on the
 * primary key, then finds it and does nothing.
 */
export async function handleOnce<DB extends MessagingTables>(
  db: Kysely<DB>,
  consumer: string,
  messageId: string,
  effect: (trx: Transaction<DB>) => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inbox = trx as unknown as Transaction<MessagingTables>;
    const inserted = await inbox
      .insertInto('inbox')
      .values({ consumer, message_id: messageId, handled_at: Date.now() })
      .onConflict((oc) => oc.columns(['consumer', 'message_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    await effect(trx);
    return true;
  });
}
