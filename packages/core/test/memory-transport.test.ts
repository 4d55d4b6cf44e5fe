import { setTimeout as sleep } from 'node:timers/promises';
import {
  createApp,
  defineContract,
  implement,
  MemoryNetwork,
  memoryRegistry,
  memoryTransport,
  on,
  type Registry,
  WharfError,
} from '@wharf/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

const shapes = defineContract({
  name: 'shapes',
  version: 1,
  methods: {
    keep: {
      input: z.object({ list: z.array(z.object({ n: z.int() })) }),
      output: z.object({ list: z.array(z.object({ n: z.int() })) }),
    },
    range: { input: z.object({ to: z.int() }), output: z.object({ n: z.int() }), stream: 'server' },
    sum: { input: z.object({ n: z.int() }), output: z.object({ total: z.int() }), stream: 'client' },
    double: { input: z.object({ n: z.int() }), output: z.object({ n: z.int() }), stream: 'bidi' },
  },
  events: { changed: { payload: z.object({ n: z.int() }) } },
});

const stored: { list: { n: number }[] }[] = [];
const shapeService = implement(shapes, {
  async keep(input) {
    stored.push(input);
    return input;
  },
  async *range({ to }) {
    for (let n = 0; n < to; n++) yield { n };
  },
  async sum(input) {
    let total = 0;
    for await (const { n } of input) total += n;
    return { total };
  },
  async *double(input) {
    for await (const { n } of input) yield { n: n * 2 };
  },
});

const apps: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});

function start(network: MemoryNetwork, registry: Registry, services: object[], name = 'app') {
  const app = createApp({
    name,
    services,
    transports: [memoryTransport({ network })],
    registry,
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  apps.push(app);
  return app.start().then(() => app);
}

describe('in-memory transport', () => {
  it('copies values both ways: caller and handler never share an object', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    await start(network, registry, [shapeService], 'server');
    const caller = await start(network, registry, [], 'caller');
    const input = { list: [{ n: 1 }] };
    const output = await caller.client(shapes).keep(input);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
    expect(output.list[0]).not.toBe(input.list[0]);
    input.list[0]!.n = 99;
    output.list.push({ n: 2 });
    expect(stored.at(-1)).toEqual({ list: [{ n: 1 }] });
  });

  it('carries all four stream shapes', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    await start(network, registry, [shapeService]);
    const caller = await start(network, registry, []);
    const client = caller.client(shapes);
    const seen: number[] = [];
    for await (const { n } of client.range({ to: 4 })) seen.push(n);
    expect(seen).toEqual([0, 1, 2, 3]);
    await expect(client.sum([{ n: 1 }, { n: 2 }, { n: 3 }])).resolves.toEqual({ total: 6 });
    async function* numbers() {
      yield { n: 1 };
      yield { n: 5 };
    }
    const doubled: number[] = [];
    for await (const { n } of client.double(numbers())) doubled.push(n);
    expect(doubled).toEqual([2, 10]);
    const empty: number[] = [];
    for await (const { n } of client.range({ to: 0 })) empty.push(n);
    expect(empty).toEqual([]);
    await expect(client.sum([])).resolves.toEqual({ total: 0 });
  });

  it('validates each element of an input stream', async () => {
    const app = await start(new MemoryNetwork(), memoryRegistry(), [shapeService]);
    await expect(app.client(shapes).sum([{ n: 1 }, { n: 'two' as unknown as number }])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { fieldViolations: [{ field: 'n' }] },
    });
  });

  it('refuses values that could not cross a network', async () => {
    const app = await start(new MemoryNetwork(), memoryRegistry(), [shapeService]);
    await expect(app.client(shapes).keep({ list: [{ n: 1, f: () => 1 } as never] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('delivers each event once per subscribing service, shared among its instances', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    const received: string[] = [];
    const subscriber = (service: string, instance: string) =>
      implement(
        defineContract({ name: service, version: 1, methods: {} }),
        {},
        {
          on: {
            onChanged: on('shapes.*', {
              input: z.object({ n: z.int() }),
              handler: async ({ n }, ctx) => {
                received.push(`${service}/${instance} got ${n} from ${ctx.event?.emitter} (${ctx.event?.name})`);
              },
            }),
          },
        },
      );
    await start(network, registry, [subscriber('audit', 'a1')]);
    await start(network, registry, [subscriber('audit', 'a2')]);
    await start(network, registry, [subscriber('billing', 'b1')]);
    const emitter = await start(network, registry, [], 'emitter');
    for (let n = 1; n <= 4; n++) await emitter.emit(shapes.events.changed, { n });
    await sleep(20);
    const audit = received.filter((r) => r.startsWith('audit'));
    const billing = received.filter((r) => r.startsWith('billing'));
    expect(billing).toHaveLength(4);
    expect(audit).toHaveLength(4);
    expect(audit.filter((r) => r.startsWith('audit/a1'))).toHaveLength(2);
    expect(new Set(audit.map((r) => r.split(' ').at(2)))).toEqual(new Set(['1', '2', '3', '4']));
    expect(billing[0]).toBe('billing/b1 got 1 from emitter (shapes.changed)');
  });

  it('validates a typed event before publishing it', async () => {
    const app = await start(new MemoryNetwork(), memoryRegistry(), []);
    await expect(app.emit(shapes.events.changed, { n: 'x' as unknown as number })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(app.emit('Not A Name', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('errors arrive rebuilt from their wire form', async () => {
    const err = defineContract({ name: 'err', version: 1, methods: { fail: { input: z.object({}), output: z.object({}) } } });
    const thrown = new WharfError('ABORTED', 'conflict', { version: 3 });
    const app = await start(new MemoryNetwork(), memoryRegistry(), [
      implement(err, {
        fail: async () => {
          throw thrown;
        },
      }),
    ]);
    const received = await app
      .client(err)
      .fail({})
      .catch((e: unknown) => e);
    expect(received).toBeInstanceOf(WharfError);
    expect(received).not.toBe(thrown);
    expect((received as WharfError).toWire()).toEqual(thrown.toWire());
  });

  it('an address on another network or a stopped app is UNAVAILABLE', async () => {
    const app = await start(new MemoryNetwork(), memoryRegistry(), [shapeService]);
    await expect(app.client(shapes).keep({ list: [] }, { address: 'memory://elsewhere/x' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    const caller = await start(new MemoryNetwork(), memoryRegistry(), []);
    await expect(caller.client(shapes).keep({ list: [] })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('No instance of shapes v1 is reachable'),
    });
  });
});
