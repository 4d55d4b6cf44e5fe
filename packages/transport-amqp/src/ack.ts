import { setMaxListeners } from 'node:events';
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

/**
 * The abort controller shared by every message in flight on one channel: it fires when the
 * channel dies. Each in-flight request listens to it until it ends, so the listener count is
 * bounded by the prefetch, not a leak; Node's warning at 11 listeners does not apply.
 */
export function channelController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
