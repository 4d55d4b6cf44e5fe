// The record each RPC server leaves beside its queue (rpc/name-claim.ts) is on the wire, so the
// AsyncAPI document describes it like any other message.
import { recordQueueOf } from '../rpc/name-claim.js';
import { BINDING_VERSION, type Json, ref } from './asyncapi-failures.js';

const serviceRecordSchema: Json = {
  type: 'object',
  required: ['service', 'version', 'methods'],
  properties: {
    service: { type: 'string' },
    version: { type: 'string' },
    methods: { type: 'array', items: { type: 'string' } },
  },
};

/** Adds the service-record queue of `rpcQueue`, its message, and the server's send operation. */
export function recordChannel(
  service: string,
  major: number,
  rpcQueue: string,
  url: URL,
  channels: Json,
  operations: Json,
  messages: Json,
): void {
  const address = recordQueueOf(rpcQueue);
  messages.serviceRecord = {
    name: 'serviceRecord',
    title: 'Service record',
    summary: 'The serving service and its method names; a server whose methods are unrelated refuses to start.',
    contentType: 'application/json',
    payload: serviceRecordSchema,
  };
  channels.serviceRecord = {
    address,
    title: `${service} v${major} service record`,
    description: 'Holds the last record a server published (x-max-length 1, overflow drop-head).',
    messages: { serviceRecord: ref('#/components/messages/serviceRecord') },
    bindings: {
      amqp: {
        is: 'queue',
        queue: { name: address, durable: true, exclusive: false, autoDelete: false, vhost: url.pathname || '/' },
        bindingVersion: BINDING_VERSION,
      },
    },
  };
  operations.recordService = {
    action: 'send',
    title: 'Record the service beside its RPC queue, at start',
    channel: ref('#/channels/serviceRecord'),
    messages: [ref('#/channels/serviceRecord/messages/serviceRecord')],
    bindings: { amqp: { deliveryMode: 2, bindingVersion: BINDING_VERSION } },
  };
}
