import type { Channel } from 'amqplib';
import { assertExchange, assertQueue } from '../declare.js';
import { Header, type TopologyNames } from '../names.js';

/** The queue features the broker offers. */
export interface QueueFeatures {
  /** Handler and dead-letter queues. */
  readonly type: 'quorum' | 'classic';
  /** Delay queues: quorum queues support `x-message-ttl` only from RabbitMQ 3.10, so classic below. */
  readonly delayType: 'quorum' | 'classic';
  /** Quorum queues on RabbitMQ ≥ 3.10 dead-letter at least once (the default is at most once). */
  readonly atLeastOnceDeadLetters: boolean;
  readonly deliveryLimit: number;
}

/** `3.10.8` → [3, 10, 8]. */
function versionParts(version: string | undefined): number[] {
  return (version ?? '0').split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/** True when `version` is at least `major.minor`. */
export function versionAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a = 0, b = 0] = versionParts(version);
  return a > major || (a === major && b >= minor);
}

/** The queue features to use on a broker of `version`, honouring an explicit type. */
export function queueFeatures(
  version: string | undefined,
  type: 'quorum' | 'classic' | undefined,
  deliveryLimit: number,
): QueueFeatures {
  const chosen = type ?? (versionAtLeast(version, 3, 8) ? 'quorum' : 'classic');
  const ttlOnQuorum = versionAtLeast(version, 3, 10);
  return {
    type: chosen,
    delayType: chosen === 'quorum' && ttlOnQuorum ? 'quorum' : 'classic',
    atLeastOnceDeadLetters: chosen === 'quorum' && ttlOnQuorum,
    deliveryLimit,
  };
}

function typed(type: 'quorum' | 'classic', args: Record<string, unknown>): Record<string, unknown> {
  return type === 'quorum' ? { 'x-queue-type': 'quorum', ...args } : args;
}

/** Declares the exchanges events are published to; what a publisher needs. */
export async function declareExchanges(channel: Channel, names: TopologyNames): Promise<void> {
  await assertExchange(channel, names.eventsExchange, 'topic');
}

/**
 * Declares what a service's event consumers share: the exchanges, one delay queue per backoff
 * step (TTL, then dead-lettered through the default exchange back to the handler queue named by
 * the routing key), and the service's dead-letter queue.
 */
export async function declareEventTopology(
  channel: Channel,
  names: TopologyNames,
  service: string,
  delays: readonly number[],
  features: QueueFeatures,
): Promise<void> {
  await assertExchange(channel, names.eventsExchange, 'topic');
  await assertExchange(channel, names.delayExchange, 'headers');
  for (const delay of new Set(delays)) {
    const queue = names.delayQueue(delay);
    const strategy = features.atLeastOnceDeadLetters
      ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' }
      : {};
    await assertQueue(channel, queue, {
      durable: true,
      arguments: typed(features.delayType, { 'x-message-ttl': delay, 'x-dead-letter-exchange': '', ...strategy }),
    });
    await channel.bindQueue(queue, names.delayExchange, '', { 'x-match': 'all', [Header.delay]: String(delay) });
  }
  await assertQueue(channel, names.deadLetterQueue(service), { durable: true, arguments: typed(features.type, {}) });
}

/** Declares one handler's queue and binds it to its pattern. */
export async function declareHandlerQueue(
  channel: Channel,
  names: TopologyNames,
  service: string,
  queue: string,
  pattern: string,
  features: QueueFeatures,
): Promise<void> {
  const deadLetters = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': names.deadLetterQueue(service) };
  const args =
    features.type === 'quorum'
      ? typed(features.type, { ...deadLetters, 'x-delivery-limit': features.deliveryLimit })
      : typed(features.type, deadLetters);
  await assertQueue(channel, queue, { durable: true, arguments: args });
  await channel.bindQueue(queue, names.eventsExchange, pattern);
}
