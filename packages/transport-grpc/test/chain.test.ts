// A → B over gRPC: the request id, trace context, identity and deadline travel with the call.
import { defineContract, implement, memoryRegistry } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, serve } from './helpers.js';

const Seen = z.object({
  requestId: z.string(),
  traceparent: z.string().optional(),
  authorization: z.string().optional(),
  transport: z.string(),
  deadline: z.number().optional(),
});
const b = defineContract({ name: 'chain_b', version: 1, methods: { who: { input: z.object({}), output: Seen } } });
const a = defineContract({
  name: 'chain_a',
  version: 1,
  methods: { relay: { input: z.object({}), output: z.object({ a: Seen, b: Seen }) } },
});

const seen = (ctx: { requestId: string; metadata: Record<string, string>; transport: string; deadline: number | undefined }) => ({
  requestId: ctx.requestId,
  traceparent: ctx.metadata.traceparent,
  authorization: ctx.metadata.authorization,
  transport: ctx.transport,
  deadline: ctx.deadline,
});

describe('a call chain over gRPC', () => {
  it('keeps the request id, trace id and identity from A to B, and B gets no more time than A', async () => {
    const serviceB = implement(b, { who: async (_input, ctx) => seen(ctx) });
    const serviceA = implement(a, { relay: async (_input, ctx) => ({ a: seen(ctx), b: await ctx.client(b).who({}) }) });
    const nodeB = await serve([serviceB]);
    // A finds B through its registry, which knows only B's gRPC address.
    const registry = memoryRegistry();
    await registry.register({ id: 'b-1', service: 'chain_b', version: '1.0.0', address: nodeB.address });
    const nodeA = await serve([serviceA], {}, { registry });
    const client = await caller();

    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const out = await client.client(a).relay(
      {},
      {
        address: nodeA.address,
        timeoutMs: 4000,
        metadata: { 'x-request-id': 'chain-42', traceparent, authorization: 'Bearer t0k3n' },
      },
    );
    expect(out.a).toMatchObject({ requestId: 'chain-42', traceparent, authorization: 'Bearer t0k3n', transport: 'grpc' });
    expect(out.b).toMatchObject({ requestId: 'chain-42', traceparent, authorization: 'Bearer t0k3n', transport: 'grpc' });
    expect(out.b.deadline).toBeDefined();
    expect(out.b.deadline as number).toBeLessThanOrEqual(out.a.deadline as number);

    await client.stop();
    await nodeA.app.stop();
    await nodeB.app.stop();
  });
});
