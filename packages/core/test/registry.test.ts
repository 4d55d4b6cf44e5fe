import {
  createApp,
  defineContract,
  implement,
  MemoryNetwork,
  memoryRegistry,
  memoryTransport,
  type Transport,
} from '@wharf/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const v1 = defineContract({
  name: 'versioned',
  version: '1.4.0',
  methods: { which: { input: z.object({}), output: z.object({ v: z.string() }) } },
});
const v2 = defineContract({
  name: 'versioned',
  version: '2.0.0',
  methods: { which: { input: z.object({}), output: z.object({ v: z.string() }) } },
});

const quiet = { logger: { level: 'silent' as const }, shutdown: { signals: false as const } };

describe('registry and resolution', () => {
  it('routes by major version: two majors of one service side by side', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    const server = createApp({
      services: [implement(v1, { which: async () => ({ v: '1' }) }), implement(v2, { which: async () => ({ v: '2' }) })],
      transports: [memoryTransport({ network })],
      registry,
      ...quiet,
    });
    await server.start();
    const caller = createApp({ transports: [memoryTransport({ network })], registry, ...quiet });
    await expect(caller.client(v1).which({})).resolves.toEqual({ v: '1' });
    await expect(caller.client(v2).which({})).resolves.toEqual({ v: '2' });
    await server.stop();
    await expect(caller.client(v1).which({})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('balances round robin across instances and follows registry changes', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    const make = (name: string) =>
      createApp({
        name,
        services: [implement(v1, { which: async () => ({ v: name }) })],
        transports: [memoryTransport({ network })],
        registry,
        ...quiet,
      });
    const one = make('one');
    const two = make('two');
    await one.start();
    await two.start();
    const caller = createApp({ transports: [memoryTransport({ network })], registry, ...quiet });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await caller.client(v1).which({})).v);
    expect(answers.filter((a) => a === 'one')).toHaveLength(3);
    expect(answers.filter((a) => a === 'two')).toHaveLength(3);
    await one.stop();
    for (let i = 0; i < 3; i++) expect((await caller.client(v1).which({})).v).toBe('two');
    await two.stop();
  });

  it('prefers in-process instances, then transports in the order given; the address scheme picks the transport', async () => {
    const sent: string[] = [];
    const fake = (name: string): Transport => ({
      name,
      async call(call) {
        sent.push(`${name} ${call.address} ${call.ref.fullName}`);
        return { v: name };
      },
    });
    const registry = memoryRegistry([
      { id: 'r1', service: 'versioned', version: '1.0.0', address: 'second://10.0.0.2:1' },
      { id: 'r2', service: 'versioned', version: '1.0.0', address: 'first://10.0.0.1:1' },
      { id: 'r3', service: 'versioned', version: '1.0.0', address: 'unknown://10.0.0.3:1' },
    ]);
    const caller = createApp({ transports: [fake('first'), fake('second')], registry, ...quiet });
    await expect(caller.client(v1).which({})).resolves.toEqual({ v: 'first' });
    await expect(caller.client(v1).which({}, { address: 'second://explicit:9' })).resolves.toEqual({ v: 'second' });
    expect(sent).toEqual(['first first://10.0.0.1:1 versioned.which', 'second second://explicit:9 versioned.which']);
    await expect(caller.client(v1).which({}, { address: 'nope://x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    const local = createApp({
      services: [implement(v1, { which: async () => ({ v: 'local' }) })],
      transports: [fake('first')],
      registry,
      ...quiet,
    });
    await local.start();
    await expect(local.client(v1).which({})).resolves.toEqual({ v: 'local' });
    await local.stop();
  });
});
