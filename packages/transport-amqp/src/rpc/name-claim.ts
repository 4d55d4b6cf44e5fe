// Two different services with the same name on one broker would share one RPC queue: each would
// get half the calls, and answer the other's with "set the message type to one of: …". Each server
// leaves its method names on the broker beside the queue; one that finds the queue consumed by a
// service whose methods are not a subset or superset of its own refuses to start. (A new release
// that adds methods, or an old one still draining, is nested and passes.)
import type { ChannelModel } from 'amqplib';

/** What a server records beside its RPC queue. */
interface NameRecord {
  readonly service: string;
  readonly version: string;
  readonly methods: readonly string[];
}

/** The queue that holds the last record for an RPC queue (one message; a newer one replaces it). */
export const recordQueueOf = (rpcQueue: string) => `${rpcQueue}.methods`;

const nested = (a: readonly string[], b: readonly string[]) => a.every((m) => b.includes(m)) || b.every((m) => a.includes(m));

/**
 * Checks that no other service of the same name serves `rpcQueue` on this broker, then records
 * this one. Throws an Error saying what clashes and what to do; resolves otherwise.
 */
export async function claimServiceName(model: ChannelModel, rpcQueue: string, ours: NameRecord): Promise<void> {
  const recordQueue = recordQueueOf(rpcQueue);
  const channel = await model.createChannel();
  channel.on('error', () => {}); // reported through the promises below
  try {
    await channel.assertQueue(recordQueue, { durable: true, arguments: { 'x-max-length': 1, 'x-overflow': 'drop-head' } });
    const message = await channel.get(recordQueue, { noAck: false });
    let theirs: NameRecord | undefined;
    if (message !== false) {
      try {
        theirs = JSON.parse(message.content.toString('utf8')) as NameRecord;
      } catch {
        theirs = undefined;
      }
      channel.nack(message, false, true);
    }
    const consumers = await consumersOf(model, rpcQueue);
    if (theirs !== undefined && consumers > 0 && Array.isArray(theirs.methods) && !nested(ours.methods, theirs.methods)) {
      throw new Error(
        `Another service named "${ours.service}" already serves ${rpcQueue} on this broker with different methods ` +
          `(${theirs.methods.join(', ')}; version ${theirs.version}), and this one has ${ours.methods.join(', ')}. ` +
          "Two different services would share one queue and get each other's calls: rename one, or give one of them " +
          'another namespace (amqpTransport({ namespace }) or WHARF_AMQP_NAMESPACE).',
      );
    }
    channel.sendToQueue(recordQueue, Buffer.from(JSON.stringify(ours)), { persistent: true, contentType: 'application/json' });
  } finally {
    await channel.close().catch(() => {});
  }
}

/** How many consumers `queue` has; 0 when it does not exist (the 404 closes the channel used to ask). */
async function consumersOf(model: ChannelModel, queue: string): Promise<number> {
  const channel = await model.createChannel();
  channel.on('error', () => {});
  try {
    return (await channel.checkQueue(queue)).consumerCount;
  } catch {
    return 0;
  } finally {
    await channel.close().catch(() => {});
  }
}
