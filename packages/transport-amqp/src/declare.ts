import { WharfError } from '@wharf/core/transport';
import type { Channel, Options } from 'amqplib';

// Queues and exchanges are declared by every instance at start. One that already exists with
// other arguments makes the broker close the channel with a bare 406; the error names the
// object and the way out instead, since the cause is nearly always another version's settings.

/** Declares a queue; an existing queue with other arguments becomes a FAILED_PRECONDITION that says what to do. */
export async function assertQueue(channel: Channel, queue: string, options: Options.AssertQueue): Promise<void> {
  try {
    await channel.assertQueue(queue, options);
  } catch (error) {
    throw explain(error, `Queue ${queue}`, `rabbitmqctl delete_queue ${queue}`);
  }
}

/** Declares a durable exchange; an existing one of another type becomes a FAILED_PRECONDITION that says what to do. */
export async function assertExchange(channel: Channel, exchange: string, type: string): Promise<void> {
  try {
    await channel.assertExchange(exchange, type, { durable: true });
  } catch (error) {
    throw explain(error, `Exchange ${exchange}`, 'delete it in the management UI or with rabbitmqadmin');
  }
}

function explain(error: unknown, what: string, fix: string): Error {
  const e = error as { code?: number; message?: string };
  if (e.code === 406) {
    return new WharfError(
      'FAILED_PRECONDITION',
      `${what} already exists with other settings (${e.message}). It was declared by another version or with other options (queueType, retry, deliveryLimit): delete it (${fix}) or match its settings`,
      undefined,
      { cause: error },
    );
  }
  return error as Error;
}
