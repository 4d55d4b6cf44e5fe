// The header schemas of every message the transport puts on the wire, for the AsyncAPI document.
// test/asyncapi-wire.test.ts records the headers of real traffic and checks each is declared here.
import { MetadataKey } from '@wharf/core/transport';
import { Header } from '../names.js';

type Json = Record<string, unknown>;

const text = (description: string): Json => ({ type: 'string', description });
const integer = (description: string): Json => ({ type: 'integer', description });

/** Metadata a caller or emitter may add beyond the named keys: string (or integer) headers. */
const otherMetadata: Json = { type: ['string', 'integer'], description: 'Other metadata (ctx.metadata in handlers)' };

const traceHeaders: Json = {
  [MetadataKey.requestId]: text('Request id, propagated to logs and downstream calls'),
  [MetadataKey.traceparent]: text('W3C trace context'),
  [MetadataKey.tracestate]: text('W3C trace state'),
  [MetadataKey.baggage]: text('W3C baggage'),
};

/** Headers of an RPC request. */
export function requestHeaders(): Json {
  return {
    type: 'object',
    properties: {
      [Header.timeout]: {
        type: ['integer', 'string'],
        description: "The caller's remaining time in whole ms (also the expiration); a value that is not a number is ignored",
      },
      [Header.deadline]: {
        type: ['integer', 'string'],
        description: "The caller's absolute deadline, epoch ms; tightens the deadline when the clocks agree",
      },
      ...traceHeaders,
      [MetadataKey.authorization]: text("The caller's identity, e.g. a bearer token"),
    },
    additionalProperties: otherMetadata,
  };
}

/** Headers of an RPC reply (success or error). */
export function replyHeaders(): Json {
  return {
    type: 'object',
    required: [Header.status],
    properties: { [Header.status]: { type: 'string', enum: ['ok', 'error'], description: 'How the RPC ended' } },
    additionalProperties: { type: 'string', description: 'Response headers the handler set (ctx.response)' },
  };
}

/** Headers of an event as emitted. */
export function eventHeaders(): Json {
  return {
    type: 'object',
    properties: {
      [Header.timestampMs]: integer('Emission time, epoch ms'),
      ...traceHeaders,
      [MetadataKey.authorization]: text("The emitter's identity; only with forwardAuthorizationInEvents"),
    },
    additionalProperties: otherMetadata,
  };
}

// What the broker adds when it dead-letters a message (a retry's delay queue expiring it back, a
// quorum queue's delivery limit) or redelivers it from a quorum queue.
const brokerHeaders: Json = {
  'x-death': { type: 'array', description: 'Added by RabbitMQ when it dead-letters the message (each time and queue)' },
  'x-first-death-exchange': text('Added by RabbitMQ on dead-lettering'),
  'x-first-death-queue': text('Added by RabbitMQ on dead-lettering'),
  'x-first-death-reason': text('Added by RabbitMQ on dead-lettering: expired (a retry delay), delivery_limit, …'),
  'x-last-death-exchange': text('Added by RabbitMQ 3.13+ on dead-lettering'),
  'x-last-death-queue': text('Added by RabbitMQ 3.13+ on dead-lettering'),
  'x-last-death-reason': text('Added by RabbitMQ 3.13+ on dead-lettering'),
  'x-delivery-count': integer('Added by RabbitMQ on a quorum queue redelivery'),
};

const retryHeaders: Json = {
  [Header.attempt]: { type: 'integer', minimum: 2, description: 'Delivery attempt; absent on the first' },
  [Header.errorCode]: text('The code of the last failure (a retry)'),
  [Header.errorMessage]: text('The message of the last failure, at most 1 000 characters (a retry)'),
  [Header.replays]: integer('How many times the message was replayed from the dead-letter queue'),
};

/** Headers of an event as a handler's queue delivers it: as emitted, plus retries and what the broker adds. */
export function deliveryHeaders(): Json {
  const emitted = eventHeaders();
  return {
    ...emitted,
    properties: {
      ...(emitted.properties as Json),
      ...retryHeaders,
      [Header.delay]: text('The delay step the retry waited in (ms)'),
      ...brokerHeaders,
    },
  };
}

/** Headers of a retry copy, as published to the delay exchange. */
export function retryCopyHeaders(): Json {
  const emitted = eventHeaders();
  return {
    ...emitted,
    required: [Header.delay],
    properties: {
      ...(emitted.properties as Json),
      ...retryHeaders,
      [Header.delay]: text('Selects the delay queue: the backoff step in ms, as a string'),
    },
  };
}

/** Headers of a dead letter: the event's own, and why it was dead-lettered. */
export function deadLetterHeaders(): Json {
  const emitted = eventHeaders();
  return {
    ...emitted,
    properties: {
      ...(emitted.properties as Json),
      [Header.errorCode]: text('The code, e.g. INVALID_ARGUMENT'),
      [Header.errorMessage]: text('The error message, at most 1 000 characters'),
      [Header.errorDetails]: text('JSON of the error details (e.g. field violations), at most 8 000 characters'),
      [Header.attempts]: integer('Attempts made (1 when dead-lettered at once)'),
      [Header.sourceQueue]: text('The handler queue it came from; replays go back there'),
      [Header.handler]: text('<service>.<handler>'),
      [Header.deadLetteredAt]: integer('When it was dead-lettered, epoch ms'),
      [Header.replays]: integer('How many times it was replayed before'),
      ...brokerHeaders,
    },
  };
}
