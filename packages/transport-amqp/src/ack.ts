import type { Channel, Message } from 'amqplib';

// Delivery tags belong to the channel that delivered the message. Acking on a later channel
// (after a reconnect) is the classic "unknown delivery tag" channel error; acking on a closed one
// throws. Either way the broker has already requeued the message, so there is nothing to do.

/** Acks `message` on the channel it came on; a no-op when that channel is closed. */
export function ack(channel: Channel, message: Message): void {
  try {
    channel.ack(message);
  } catch {
    // Channel closed: the broker redelivers the message.
  }
}

/** Returns `message` to its queue on the channel it came on; a no-op when that channel is closed. */
export function requeue(channel: Channel, message: Message): void {
  try {
    channel.nack(message, false, true);
  } catch {
    // Channel closed: the broker redelivers the message.
  }
}
