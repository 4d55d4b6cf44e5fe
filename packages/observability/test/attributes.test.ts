// Span attributes as Wharf builds them: every key one of the semantic-convention names in ATTR
// (the hot builders spell them out), and the HTTP route made once per endpoint.
import type { ClientCall, ServerCall } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { ATTR, clientAttributes, serverAttributes } from '../src/tracing/attributes.js';

const endpoint = { kind: 'rpc', service: 'orders', name: 'place', major: 2, http: { method: 'PUT', path: '/orders' } };

function call(transport: string, kind: 'rpc' | 'event' = 'rpc'): ServerCall {
  return {
    transport,
    kind,
    requestId: 'req-1',
    service: 'orders',
    method: 'place',
    endpoint: kind === 'rpc' ? endpoint : { ...endpoint, kind: 'event' },
    deadline: Date.now() + 1_000,
    event: kind === 'event' ? { id: 'e-1', name: 'order.placed', emitter: 'shop', timestamp: 0, attempt: 1 } : undefined,
  } as unknown as ServerCall;
}

describe('span attributes', () => {
  it('use only the names in ATTR, for every transport and kind, server and client', () => {
    const names = new Set<string>(Object.values(ATTR));
    for (const c of [call('http'), call('grpc'), call('amqp'), call('memory'), call('amqp', 'event')]) {
      for (const key of Object.keys(serverAttributes(c))) expect(names, key).toContain(key);
    }
    const outbound = { metadata: { 'x-request-id': 'req-2' }, deadline: Date.now() + 1_000, service: 'orders', method: 'place' };
    const rpc = { ...outbound, kind: 'rpc' } as unknown as ClientCall;
    const event = { ...outbound, kind: 'event', name: 'order.placed', id: 'e-2' } as unknown as ClientCall;
    for (const c of [rpc, event]) {
      for (const key of Object.keys(clientAttributes(c))) expect(names, key).toContain(key);
    }
    expect(clientAttributes(rpc)).toMatchObject({ 'wharf.request_id': 'req-2', 'rpc.service': 'orders', 'rpc.method': 'place' });
  });

  it('carry the RPC, the HTTP route and the deadline', () => {
    const http = serverAttributes(call('http'));
    expect(http).toMatchObject({
      'wharf.transport': 'http',
      'wharf.request_id': 'req-1',
      'rpc.system': 'wharf',
      'rpc.service': 'orders',
      'rpc.method': 'place',
      'http.request.method': 'PUT',
      'http.route': '/v2/orders',
    });
    expect(http['wharf.deadline_ms']).toBeGreaterThan(900);
    expect(serverAttributes(call('http'))['http.route']).toBe(http['http.route']);
    expect(serverAttributes(call('grpc'))).not.toHaveProperty('http.route');
    expect(serverAttributes(call('amqp'))).toMatchObject({ 'rpc.system': 'wharf', 'messaging.system': 'rabbitmq' });
  });
});
