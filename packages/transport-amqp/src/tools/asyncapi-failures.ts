// The channels of a service's failed events in its AsyncAPI document: retries and dead letters.
import { Header, type TopologyNames } from '../names.js';
import { deadLetterHeaders, retryCopyHeaders } from './asyncapi-headers.js';

export type Json = Record<string, unknown>;

/** The version of the AMQP bindings the document uses. */
export const BINDING_VERSION = '0.3.0';

/** A JSON reference. */
export const ref = (path: string): Json => ({ $ref: path });

/**
 * Where a service's failed events go: the delay exchange its retries are published to (and come
 * back from, through the delay queue of their step) and its dead-letter queue.
 */
export function failureChannels(
  service: string,
  names: TopologyNames,
  url: URL,
  channels: Json,
  operations: Json,
  messages: Json,
): void {
  const vhost = url.pathname || '/';
  const dlq = names.deadLetterQueue(service);
  messages.retry = {
    name: 'retry',
    title: 'A failed event, to be retried',
    summary: `A copy of the failed delivery, sent to the delay queue of its backoff step (${Header.delay}); it returns to its handler queue when the step's TTL expires.`,
    contentType: 'application/json',
    headers: retryCopyHeaders(),
    payload: {},
  };
  messages.deadLetter = {
    name: 'deadLetter',
    title: 'A dead letter',
    summary: 'An event its handler could not process: the original body and properties, and why.',
    contentType: 'application/json',
    headers: deadLetterHeaders(),
    payload: {},
  };
  channels.retries = {
    address: names.delayExchange,
    title: 'Retries',
    description: `Headers exchange; ${Header.delay} selects the delay queue ${names.delayQueue(0).replace(/0$/, '<ms>')}. Routing key: the handler queue.`,
    messages: { retry: ref('#/components/messages/retry') },
    bindings: {
      amqp: {
        is: 'routingKey',
        exchange: { name: names.delayExchange, type: 'headers', durable: true, autoDelete: false, vhost },
        bindingVersion: BINDING_VERSION,
      },
    },
  };
  channels.deadLetters = {
    address: dlq,
    title: `${service} dead letters`,
    description: `Published to the default exchange with routing key ${dlq}; list and replay them with wharf-amqp dlq.`,
    messages: { deadLetter: ref('#/components/messages/deadLetter') },
    bindings: {
      amqp: {
        is: 'queue',
        queue: { name: dlq, durable: true, exclusive: false, autoDelete: false, vhost },
        bindingVersion: BINDING_VERSION,
      },
    },
  };
  operations.retry = {
    action: 'send',
    title: 'Retry a failed event',
    channel: ref('#/channels/retries'),
    messages: [ref('#/channels/retries/messages/retry')],
    bindings: { amqp: { deliveryMode: 2, mandatory: true, bindingVersion: BINDING_VERSION } },
  };
  operations.deadLetter = {
    action: 'send',
    title: 'Dead-letter an event',
    channel: ref('#/channels/deadLetters'),
    messages: [ref('#/channels/deadLetters/messages/deadLetter')],
    bindings: { amqp: { deliveryMode: 2, mandatory: true, bindingVersion: BINDING_VERSION } },
  };
}
