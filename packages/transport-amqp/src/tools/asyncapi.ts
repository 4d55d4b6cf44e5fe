import type { EventRef } from '@wharf/core';
import { toServiceDefinition } from '@wharf/core';
import type { RpcRef, ServiceDefinition } from '@wharf/core/transport';
import { documentKey, documentSchema, ERROR_CODES } from '@wharf/core/transport';
import type * as z from 'zod';
import { DIRECT_REPLY_TO, Header, topologyNames } from '../names.js';
import { BINDING_VERSION, failureChannels, type Json, ref } from './asyncapi-failures.js';
import { deliveryHeaders, eventHeaders, replyHeaders, requestHeaders } from './asyncapi-headers.js';
import { recordChannel } from './asyncapi-record.js';

/** A contract, as far as the document needs it (a `defineContract` result fits). */
export interface ContractLike {
  readonly name: string;
  readonly version: string;
  readonly major: number;
  readonly description?: string;
  readonly methods: { readonly [key: string]: RpcRef };
  readonly events: { readonly [key: string]: EventRef };
}

/** What the AsyncAPI document describes. */
export interface AsyncApiOptions {
  /** The service's contract: its RPCs and the events it emits. */
  readonly contract?: ContractLike;
  /** Its implementation (a decorated instance or a definition): its RPCs and the events it handles. */
  readonly service?: object;
  /** The broker, for `servers` (credentials are dropped); default `amqp://127.0.0.1:5672`. */
  readonly url?: string;
  readonly namespace?: string;
}

const errorSchema: Json = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: [...ERROR_CODES] },
    message: { type: 'string' },
    details: { type: 'object', description: 'Structured details, e.g. fieldViolations for INVALID_ARGUMENT' },
  },
};

/**
 * The AsyncAPI 3.0 document of one service on AMQP: its RPC queue and reply channel, the
 * events it emits (from its contract) and the queues of the events it handles (from its
 * implementation), with payload schemas generated from the same zod schemas that validate them.
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
  const names = topologyNames(options.namespace);
  const url = new URL(options.url ?? 'amqp://127.0.0.1:5672');
  const schemas: Json = { WharfError: errorSchema };
  const messages: Json = {};
  const channels: Json = {};
  const operations: Json = {};

  const rpcs = new Map<string, RpcRef>();
  for (const r of Object.values(contract?.methods ?? {})) rpcs.set(r.name, r);
  for (const r of definition?.rpcs ?? []) if (!rpcs.has(r.name)) rpcs.set(r.name, r);
  const unary = [...rpcs.values()].filter((r) => r.stream === 'unary');

  if (unary.length > 0) {
    const queue = names.rpcQueue(head.name, head.major);
    const requestMessages: Json = {};
    const replyMessages: Json = { error: ref('#/components/messages/error') };
    messages.error = {
      name: 'error',
      title: 'Error reply',
      summary: `Sent when the RPC failed; header ${Header.status} = "error".`,
      contentType: 'application/json',
      headers: replyHeaders(),
      payload: ref('#/components/schemas/WharfError'),
      correlationId: { location: '$message.header#/correlation_id' },
    };
    for (const r of unary) {
      const m = documentKey(r.name);
      messages[`${m}.request`] = {
        name: `${r.name}.request`,
        title: `${r.fullName} request`,
        summary: r.description,
        contentType: 'application/json',
        headers: requestHeaders(),
        payload: documentSchema(r.input, 'input', `${m}.request.`, schemas),
        correlationId: { location: '$message.header#/correlation_id' },
        bindings: { amqp: { messageType: r.name, bindingVersion: BINDING_VERSION } },
      };
      messages[`${m}.reply`] = {
        name: `${r.name}.reply`,
        title: `${r.fullName} reply`,
        contentType: 'application/json',
        headers: replyHeaders(),
        payload: documentSchema(r.output, 'output', `${m}.reply.`, schemas),
        correlationId: { location: '$message.header#/correlation_id' },
      };
      requestMessages[`${m}.request`] = ref(`#/components/messages/${m}.request`);
      replyMessages[`${m}.reply`] = ref(`#/components/messages/${m}.reply`);
      operations[documentKey(r.name)] = {
        action: 'receive',
        title: r.fullName,
        summary: r.description,
        channel: ref('#/channels/rpc'),
        messages: [ref(`#/channels/rpc/messages/${m}.request`)],
        reply: {
          address: { location: '$message.header#/reply_to', description: `Usually ${DIRECT_REPLY_TO}` },
          channel: ref('#/channels/rpcReply'),
          messages: [ref(`#/channels/rpcReply/messages/${m}.reply`), ref('#/channels/rpcReply/messages/error')],
        },
        bindings: { amqp: { deliveryMode: 1, mandatory: true, ack: true, bindingVersion: BINDING_VERSION } },
      };
    }
    channels.rpc = {
      address: queue,
      title: `${head.name} v${head.major} RPC requests`,
      description: `Publish to the default exchange with routing key ${queue}; set type to the method name, reply_to, correlation_id and expiration.`,
      messages: requestMessages,
      bindings: {
        amqp: {
          is: 'queue',
          queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost: url.pathname || '/' },
          bindingVersion: BINDING_VERSION,
        },
      },
    };
    recordChannel(head.name, head.major, queue, url, channels, operations, messages);
    channels.rpcReply = {
      address: null,
      title: 'RPC replies',
      description: `The caller's reply_to queue (RabbitMQ direct reply-to: ${DIRECT_REPLY_TO}); header ${Header.status} is "ok" or "error".`,
      messages: replyMessages,
    };
  }

  const eventChannel = (name: string, payload: z.ZodType, description: string | undefined, send: boolean) => {
    const k = documentKey(name);
    messages[`event.${k}`] ??= {
      name,
      title: `Event ${name}`,
      summary: description,
      contentType: 'application/json',
      headers: eventHeaders(),
      payload: documentSchema(payload, 'output', `event.${k}.`, schemas),
      bindings: { amqp: { messageType: name, bindingVersion: BINDING_VERSION } },
    };
    channels[`event.${k}`] ??= {
      address: name,
      title: `Event ${name}`,
      description: `Published to the topic exchange ${names.eventsExchange} with routing key ${name}; message_id is required.`,
      messages: { [`event.${k}`]: ref(`#/components/messages/event.${k}`) },
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: names.eventsExchange, type: 'topic', durable: true, autoDelete: false, vhost: url.pathname || '/' },
          bindingVersion: BINDING_VERSION,
        },
      },
    };
    if (send) {
      operations[`emit.${k}`] = {
        action: 'send',
        title: `Emit ${name}`,
        channel: ref(`#/channels/event.${k}`),
        messages: [ref(`#/channels/event.${k}/messages/event.${k}`)],
        bindings: { amqp: { deliveryMode: 2, timestamp: true, ack: true, bindingVersion: BINDING_VERSION } },
      };
    }
  };
  for (const event of Object.values(contract?.events ?? {})) eventChannel(event.name, event.payload, event.description, true);

  for (const handler of definition?.events ?? []) {
    const queue = names.handlerQueue(handler.service, handler.name);
    const k = documentKey(handler.name);
    messages[`on.${k}`] = {
      name: handler.pattern,
      title: `Events matching ${handler.pattern}`,
      summary: handler.description,
      contentType: 'application/json',
      headers: deliveryHeaders(),
      payload: documentSchema(handler.input, 'input', `on.${k}.`, schemas),
    };
    channels[`on.${k}`] = {
      address: queue,
      title: `${handler.fullName} queue`,
      description: `Bound to ${names.eventsExchange} with pattern ${handler.pattern}; failures are retried, then dead-lettered to ${names.deadLetterQueue(handler.service)}.`,
      messages: { [`on.${k}`]: ref(`#/components/messages/on.${k}`) },
      bindings: {
        amqp: {
          is: 'queue',
          queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost: url.pathname || '/' },
          bindingVersion: BINDING_VERSION,
        },
      },
    };
    operations[`on.${k}`] = {
      action: 'receive',
      title: handler.fullName,
      summary: handler.description,
      channel: ref(`#/channels/on.${k}`),
      messages: [ref(`#/channels/on.${k}/messages/on.${k}`)],
      bindings: { amqp: { ack: true, bindingVersion: BINDING_VERSION } },
    };
  }

  if ((definition?.events.length ?? 0) > 0) failureChannels(head.name, names, url, channels, operations, messages);

  const info: Json = { title: head.name, version: head.version };
  if (head.description !== undefined) info.description = head.description;
  return {
    asyncapi: '3.0.0',
    info,
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: url.host,
        protocol: 'amqp',
        pathname: url.pathname || '/',
        description: 'The RabbitMQ broker (credentials not shown)',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
