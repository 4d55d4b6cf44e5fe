import type { EventRef } from '@wharf/core';
import { toServiceDefinition } from '@wharf/core';
import type { ServiceDefinition } from '@wharf/core/transport';
import { documentKey, documentSchema, MetadataKey } from '@wharf/core/transport';
import type * as z from 'zod';
import { Header, isLiteral, kafkaNames } from './names.js';
import { brokerList } from './options.js';

/** A contract, as far as the document needs it (a `defineContract` result fits). */
export interface KafkaContractLike {
  readonly name: string;
  readonly version: string;
  readonly major: number;
  readonly description?: string;
  readonly events: { readonly [key: string]: EventRef };
}

/** What the AsyncAPI document describes. */
export interface AsyncApiOptions {
  /** The service's contract: the events it emits. */
  readonly contract?: KafkaContractLike;
  /** Its implementation (a decorated instance or a definition): the events it handles. */
  readonly service?: object;
  /** Bootstrap brokers for `servers`; default `$KAFKA_BROKERS`, else `127.0.0.1:9092`. */
  readonly brokers?: string | readonly string[];
  readonly namespace?: string;
  /** Partitions and replicas the transport creates topics with (for the channel bindings); default 6 and 1. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
}

type Json = Record<string, unknown>;

const BINDING_VERSION = '0.5.0';
const text = (description: string): Json => ({ type: 'string', description });

function eventHeaders(): Json {
  return {
    type: 'object',
    required: [Header.id, Header.type],
    properties: {
      [Header.specVersion]: { type: 'string', const: '1.0', description: 'CloudEvents spec version (binary content mode)' },
      [Header.id]: text('Event id, unique per event and stable across re-sends: the dedupe key'),
      [Header.type]: text('The event name, e.g. orders.created'),
      [Header.source]: text('The emitting service'),
      [Header.time]: { type: 'string', format: 'date-time', description: 'Emission time (RFC 3339)' },
      [Header.contentType]: { type: 'string', const: 'application/json' },
      [Header.timestampMs]: text('Emission time, epoch ms (decimal string)'),
      [Header.attempt]: text('Delivery attempt (decimal string); absent on the first'),
      [MetadataKey.requestId]: text('Request id of the request that emitted the event'),
      [MetadataKey.traceparent]: text('W3C trace context'),
      [MetadataKey.tracestate]: text('W3C trace state'),
      [MetadataKey.baggage]: text('W3C baggage'),
    },
  };
}

function keySchema(key: string | undefined): Json {
  return {
    type: 'string',
    description:
      key === undefined
        ? "The partition key: the payload's id field when it has one, else none (no order between events)"
        : `The partition key: the payload field ${key}, as a string; one key's events stay in order`,
  };
}

/**
 * The AsyncAPI 3.0 document of one service on Kafka: the topics of the events it emits (from its
 * contract) and of those it handles (from its implementation), with its consumer group, retry
 * and dead-letter topics, and payload schemas from the same zod schemas that validate them.
 */
export function asyncApiDocument(options: AsyncApiOptions): Json {
  const definition: ServiceDefinition | undefined =
    options.service === undefined ? undefined : toServiceDefinition(options.service);
  const contract = options.contract;
  const head = contract ?? definition;
  if (head === undefined) throw new TypeError('asyncApiDocument needs a contract, a service, or both');
  if (contract !== undefined && definition !== undefined && contract.name !== definition.name) {
    throw new TypeError(`The contract is service ${contract.name} but the implementation is ${definition.name}`);
  }
  const names = kafkaNames(options.namespace);
  const partitions = options.partitions ?? 6;
  const replicas = options.replicationFactor ?? 1;
  const schemas: Json = {};
  const messages: Json = {};
  const channels: Json = {};
  const operations: Json = {};
  const ref = (path: string) => ({ $ref: path });
  const topicBinding = (topic: string) => ({ kafka: { topic, partitions, replicas, bindingVersion: BINDING_VERSION } });

  const message = (
    id: string,
    name: string,
    payload: z.ZodType,
    io: 'input' | 'output',
    key: string | undefined,
    summary?: string,
  ) => {
    messages[id] ??= {
      name,
      title: `Event ${name}`,
      summary,
      contentType: 'application/json',
      headers: eventHeaders(),
      payload: documentSchema(payload, io, `${id}.`, schemas),
      bindings: { kafka: { key: keySchema(key), bindingVersion: BINDING_VERSION } },
    };
  };

  for (const event of Object.values(contract?.events ?? {})) {
    const k = documentKey(event.name);
    const topic = names.eventTopic(event.name);
    message(`event.${k}`, event.name, event.payload, 'output', event.key, event.description);
    channels[`event.${k}`] = {
      address: topic,
      title: `Event ${event.name}`,
      description: `One topic per event name. Produce with acks=all; header ${Header.id} is required.`,
      messages: { [`event.${k}`]: ref(`#/components/messages/event.${k}`) },
      bindings: topicBinding(topic),
    };
    operations[`emit.${k}`] = {
      action: 'send',
      title: `Emit ${event.name}`,
      channel: ref(`#/channels/event.${k}`),
      messages: [ref(`#/channels/event.${k}/messages/event.${k}`)],
    };
  }

  const handlers = definition?.events ?? [];
  for (const handler of handlers) {
    const k = documentKey(handler.name);
    message(`on.${k}`, handler.pattern, handler.input, 'input', undefined, handler.description);
    const literal = isLiteral(handler.pattern);
    channels[`on.${k}`] = {
      address: literal ? names.eventTopic(handler.pattern) : null,
      title: `${handler.fullName} (${handler.pattern})`,
      description: literal
        ? `Consumed by group ${names.group(handler.service)}.`
        : `Every topic ${names.prefix}<event> whose event name matches ${handler.pattern} (AMQP topic rules), consumed by group ${names.group(handler.service)}.`,
      messages: { [`on.${k}`]: ref(`#/components/messages/on.${k}`) },
      ...(literal ? { bindings: topicBinding(names.eventTopic(handler.pattern)) } : {}),
    };
    operations[`on.${k}`] = {
      action: 'receive',
      title: handler.fullName,
      summary: handler.description,
      channel: ref(`#/channels/on.${k}`),
      messages: [ref(`#/channels/on.${k}/messages/on.${k}`)],
      bindings: { kafka: { groupId: { type: 'string', enum: [names.group(handler.service)] }, bindingVersion: BINDING_VERSION } },
    };
  }
  if (handlers.length > 0) {
    const service = head.name;
    channels.retries = {
      address: names.retryTopic(service, 0).replace(/0$/, '{step}'),
      title: `${service} retries`,
      description: `A failed handler's event, copied with ${Header.handler}, ${Header.attempt} and ${Header.notBefore}; consumed by group ${names.retryGroup(service)} when due.`,
      parameters: { step: { description: 'The retry step: 1 after the first failure, 2 after the second, …' } },
    };
    channels.deadLetters = {
      address: names.deadLetterTopic(service),
      title: `${service} dead letters`,
      description: `Events no retry could handle, with ${Header.errorCode}, ${Header.errorMessage}, ${Header.errorDetails}, ${Header.attempts}, ${Header.handler} and ${Header.sourceTopic} headers.`,
      bindings: topicBinding(names.deadLetterTopic(service)),
    };
  }

  const info: Json = { title: head.name, version: head.version };
  const about = 'Events over Apache Kafka; RPCs are served over HTTP, gRPC or AMQP.';
  info.description = head.description === undefined ? about : `${head.description} ${about}`;
  return {
    asyncapi: '3.0.0',
    info,
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: brokerList(options.brokers).join(','),
        protocol: 'kafka',
        description: 'The Kafka cluster (bootstrap brokers)',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
