// A caller that sends no grpc-timeout (grpcurl, a plain grpc-js client) still gets a deadline on
// the server: the RPC's timeoutMs, else the transport's defaultTimeoutMs (30 s; null for none).
import { Metadata, status } from '@grpc/grpc-js';
import { type Context, defineContract, implement, type WharfError } from '@wharf/core';
import { compileProto } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { rawClient, rawUnary, serve } from './helpers.js';

const Deadline = z.object({ deadline: z.number().optional() });
const limits = defineContract({
  name: 'limits',
  version: 1,
  methods: {
    plain: { input: z.object({}), output: Deadline },
    limited: { input: z.object({}), output: Deadline, timeoutMs: 12_345 },
    hang: { input: z.object({ id: z.string() }), output: z.object({}) },
  },
});

const aborts = new Map<string, unknown>();

const service = implement(limits, {
  async plain(_input, ctx) {
    return { deadline: ctx.deadline };
  },
  async limited(_input, ctx) {
    return { deadline: ctx.deadline };
  },
  async hang({ id }, ctx: Context) {
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborts.set(id, ctx.signal.reason);
        resolve();
      });
    });
    return {};
  },
});

const wires = compileProto(limits)?.methods ?? [];
const wire = (name: string) => wires.find((w) => w.ref.name === name) as (typeof wires)[number];

/** The deadline the handler saw for a call without grpc-timeout. */
async function deadlineOf(target: string, method: 'plain' | 'limited'): Promise<number | undefined> {
  const client = rawClient(target);
  try {
    const { reply, error } = await rawUnary(client, wire(method).path, wire(method).request.encode({}));
    expect(error).toBeUndefined();
    return (wire(method).response.decode(reply as Buffer) as { deadline?: number }).deadline;
  } finally {
    client.close();
  }
}

describe('a caller that sends no deadline', () => {
  it('gets 30 s by default, or the RPC’s timeoutMs', async () => {
    const server = await serve([service]);
    const before = Date.now();
    const plain = await deadlineOf(server.target, 'plain');
    const limited = await deadlineOf(server.target, 'limited');
    const after = Date.now();
    expect(plain).toBeGreaterThanOrEqual(before + 30_000);
    expect(plain).toBeLessThanOrEqual(after + 30_000);
    expect(limited).toBeGreaterThanOrEqual(before + 12_345);
    expect(limited).toBeLessThanOrEqual(after + 12_345);
    await server.app.stop();
  });

  it('is answered DEADLINE_EXCEEDED when defaultTimeoutMs passes, and the handler sees the abort', async () => {
    const server = await serve([service], { defaultTimeoutMs: 150 });
    const client = rawClient(server.target);
    const started = Date.now();
    const { error } = await rawUnary(client, wire('hang').path, wire('hang').request.encode({ id: 'default' }), new Metadata());
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => aborts.get('default')).toBeDefined();
    expect((aborts.get('default') as WharfError).code).toBe('DEADLINE_EXCEEDED');
    client.close();
    await server.app.stop();
  });

  it('gets no deadline with defaultTimeoutMs: null, unless the RPC sets timeoutMs', async () => {
    const server = await serve([service], { defaultTimeoutMs: null });
    const before = Date.now();
    expect(await deadlineOf(server.target, 'plain')).toBeUndefined();
    expect(await deadlineOf(server.target, 'limited')).toBeGreaterThanOrEqual(before + 12_345);
    await server.app.stop();
  });

  it('a caller that sends grpc-timeout keeps its own, shorter or longer than the default', async () => {
    const server = await serve([service], { defaultTimeoutMs: 1000 });
    const client = rawClient(server.target);
    for (const ms of [300, 60_000]) {
      const before = Date.now();
      const { reply } = await rawUnary(client, wire('plain').path, wire('plain').request.encode({}), new Metadata(), before + ms);
      const { deadline } = wire('plain').response.decode(reply as Buffer) as { deadline?: number };
      expect(deadline).toBeGreaterThan(before + ms - 50);
      expect(deadline).toBeLessThanOrEqual(Date.now() + ms);
    }
    client.close();
    await server.app.stop();
  });
});
