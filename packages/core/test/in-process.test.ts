// The in-process call path: the input copy is skipped only where the server's parse provably
// rebuilds the input, and caller and handler never share an object, whatever the schema.
import { createApp, defineContract, implement, type ServerMiddleware } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseCopies } from '../src/schema-plan.js';

class Box {
  constructor(public value: { n: number }) {}
}

const lazyNode: z.ZodType = z.lazy(() => z.object({ n: z.int(), next: lazyNode.optional() }));
const tree = z.object({
  n: z.int(),
  get next() {
    return tree.optional();
  },
});

// Each schema kind with a value to send, whether its parse provably copies, and how a handler
// would tamper with what it received (and a caller with what it sent).
const kinds = {
  object: { schema: z.object({ a: z.object({ n: z.int() }) }), value: { a: { n: 1 } }, copies: true },
  strictObject: { schema: z.strictObject({ a: z.object({ n: z.int() }) }), value: { a: { n: 1 } }, copies: true },
  catchallObject: {
    schema: z.object({ a: z.object({ n: z.int() }) }).catchall(z.object({ n: z.int() })),
    value: { a: { n: 1 }, b: { n: 2 } },
    copies: true,
  },
  array: { schema: z.array(z.object({ n: z.int() })), value: [{ n: 1 }], copies: true },
  tuple: { schema: z.tuple([z.object({ n: z.int() })], z.object({ n: z.int() })), value: [{ n: 1 }, { n: 2 }], copies: true },
  record: { schema: z.record(z.string(), z.object({ n: z.int() })), value: { a: { n: 1 } }, copies: true },
  union: { schema: z.union([z.object({ a: z.object({ n: z.int() }) }), z.array(z.int())]), value: { a: { n: 1 } }, copies: true },
  discriminatedUnion: {
    schema: z.discriminatedUnion('k', [
      z.object({ k: z.literal('a'), a: z.object({ n: z.int() }) }),
      z.object({ k: z.literal('b') }),
    ]),
    value: { k: 'a', a: { n: 1 } },
    copies: true,
  },
  intersection: {
    schema: z.intersection(z.object({ a: z.object({ n: z.int() }) }), z.object({ b: z.int() })),
    value: { a: { n: 1 }, b: 2 },
    copies: true,
  },
  wrappers: {
    schema: z.object({ a: z.object({ n: z.int() }).optional().nullable().default({ n: 0 }).readonly() }),
    value: { a: { n: 1 } },
    copies: true,
  },
  pipeOfObjects: {
    schema: z.object({ a: z.object({ n: z.int() }) }).pipe(z.object({ a: z.object({ n: z.int() }) })),
    value: { a: { n: 1 } },
    copies: true,
  },
  refined: { schema: z.object({ a: z.object({ n: z.int() }) }).refine((v) => v.a.n > 0), value: { a: { n: 1 } }, copies: true },
  getterRecursion: { schema: tree, value: { n: 1, next: { n: 2 } }, copies: false },
  any: { schema: z.object({ a: z.any() }), value: { a: { n: 1 } }, copies: false },
  unknown: { schema: z.object({ a: z.unknown() }), value: { a: { n: 1 } }, copies: false },
  looseObject: { schema: z.looseObject({ n: z.int() }), value: { n: 1, a: { n: 1 } }, copies: false },
  looseRecord: { schema: z.looseRecord(z.string().regex(/^a/), z.object({ n: z.int() })), value: { a: { n: 1 } }, copies: false },
  custom: {
    schema: z.object({ a: z.custom<{ n: number }>((v) => typeof v === 'object') }),
    value: { a: { n: 1 } },
    copies: false,
  },
  // A class instance crosses as plain data (its class does not), so the parse on the other side refuses it.
  instanceOf: { schema: z.object({ a: z.instanceof(Box) }), value: { a: new Box({ n: 1 }) }, copies: false, refused: true },
  transform: { schema: z.object({ a: z.object({ n: z.int() }) }).transform((v) => v), value: { a: { n: 1 } }, copies: false },
  preprocess: {
    schema: z.preprocess((v) => v, z.object({ a: z.object({ n: z.int() }) })),
    value: { a: { n: 1 } },
    copies: false,
  },
  catch: { schema: z.object({ a: z.object({ n: z.int() }).catch({ n: 0 }) }), value: { a: { n: 1 } }, copies: false },
  lazy: { schema: z.object({ a: lazyNode }), value: { a: { n: 1 } }, copies: false },
  map: {
    schema: z.object({ a: z.map(z.string(), z.object({ n: z.int() })) }),
    value: { a: new Map([['k', { n: 1 }]]) },
    copies: false,
  },
  set: { schema: z.object({ a: z.set(z.object({ n: z.int() })) }), value: { a: new Set([{ n: 1 }]) }, copies: false },
  date: { schema: z.object({ a: z.date() }), value: { a: new Date(1) }, copies: false },
  // A symbol could not cross a network: refused before the handler runs.
  symbol: { schema: z.object({ a: z.symbol() }), value: { a: Symbol('x') }, copies: false, refused: true },
} as const satisfies Record<string, { schema: z.ZodType; value: unknown; copies: boolean; refused?: boolean }>;

// Changes every object reachable from `value` (a caller's or a handler's view of the same data).
function tamper(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value) || Object.isFrozen(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const item of value.values()) tamper(item, seen);
    value.set('tampered', { n: -1 });
  } else if (value instanceof Set) {
    for (const item of value) tamper(item, seen);
    value.add({ n: -1 });
  } else if (value instanceof Date) value.setTime(-1);
  else if (Array.isArray(value)) {
    for (const item of value) tamper(item, seen);
    value.push({ n: -1 });
  } else {
    for (const item of Object.values(value)) tamper(item, seen);
    if ('n' in value) (value as { n: number }).n = -1;
    (value as Record<string, unknown>).tampered = true;
  }
}

function snapshot(value: unknown): string {
  const seen = new Set<unknown>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'symbol') return 'symbol';
    if (v instanceof Map) return ['map', ...v];
    if (v instanceof Set) return ['set', ...v];
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return 'cycle';
      seen.add(v);
    }
    return v;
  });
}

describe('which parses copy their input', () => {
  for (const [kind, { schema, copies }] of Object.entries(kinds)) {
    it(`${kind}: ${copies ? 'copies' : 'does not copy'}`, () => {
      expect(parseCopies(schema)).toBe(copies);
    });
  }

  it('primitives copy; a shape with a symbol key does not', () => {
    for (const schema of [z.string(), z.int(), z.boolean(), z.bigint(), z.null(), z.enum(['a']), z.literal(1), z.nan()]) {
      expect(parseCopies(schema)).toBe(true);
    }
    expect(parseCopies(z.object({ [Symbol('s')]: z.string() } as never))).toBe(false);
  });
});

describe('caller and handler never share the input', () => {
  const methods = Object.fromEntries(
    Object.entries(kinds).map(([kind, { schema }]) => [
      kind,
      { input: schema as z.ZodType, output: z.object({ ok: z.boolean() }) },
    ]),
  );
  const contract = defineContract({ name: 'kinds', version: 1, methods });
  const received = new Map<string, unknown>();
  const handlers = Object.fromEntries(
    Object.keys(kinds).map((kind) => [
      kind,
      async (input: unknown) => {
        received.set(kind, input);
        const before = snapshot(input);
        // Let the caller run (and tamper with what it sent) before looking again.
        await new Promise((resolve) => setImmediate(resolve));
        const unchanged = snapshot(input) === before;
        tamper(input);
        return { ok: unchanged };
      },
    ]),
  );

  for (const [kind, entry] of Object.entries(kinds)) {
    it(kind, async () => {
      const app = await createTestApp({ services: [implement(contract, handlers as never)] });
      try {
        const call = (app.client(contract) as Record<string, (input: unknown) => Promise<{ ok: boolean }>>)[kind] as (
          input: unknown,
        ) => Promise<{ ok: boolean }>;
        if ('refused' in entry) {
          await expect(call(entry.value)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
          expect(received.has(kind)).toBe(false);
          return;
        }
        const sent = structuredClone(entry.value);
        const before = snapshot(sent);
        const pending = call(sent);
        tamper(sent);
        const tampered = snapshot(sent);
        // The handler's view did not change when the caller tampered with its own object …
        await expect(pending).resolves.toEqual({ ok: true });
        // … and the handler tampering with its input left the caller's object as the caller left it.
        expect(snapshot(sent)).toBe(tampered);
        expect(tampered).not.toBe(before);
        expect(received.get(kind)).not.toBe(sent);
      } finally {
        await app.stop();
      }
    });
  }
});

describe('the input copy is skipped only when the parse is the first to read the input', () => {
  const echo = defineContract({
    name: 'echo',
    version: 1,
    methods: { say: { input: z.object({ list: z.array(z.int()) }), output: z.object({ n: z.int() }) } },
  });
  const service = implement(echo, { say: async ({ list }) => ({ n: list.length }) });

  it('a server middleware before validation sees a copy, never the caller object', async () => {
    const grab: ServerMiddleware = (call, next) => {
      (call.input as { list: number[] }).list.push(99);
      return next();
    };
    const app = await createTestApp({ services: [service], middleware: { server: [grab] } });
    try {
      const input = { list: [1] };
      await expect(app.client(echo).say(input)).resolves.toEqual({ n: 2 });
      expect(input).toEqual({ list: [1] });
    } finally {
      await app.stop();
    }
  });

  it('without validation, the handler gets a copy', async () => {
    let got: unknown;
    const app = createApp({
      services: [
        implement(echo, {
          say: async (input) => {
            got = input;
            return { n: 0 };
          },
        }),
      ],
      middleware: { server: () => [] },
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    try {
      const input = { list: [1] };
      await app.client(echo).say(input);
      expect(got).toEqual(input);
      expect(got).not.toBe(input);
    } finally {
      await app.stop();
    }
  });

  it('an input a network could not carry is refused though the parse would drop the bad part', async () => {
    const app = await createTestApp({ services: [service] });
    try {
      await expect(app.client(echo).say({ list: [1], f: () => 1 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(app.client(echo).say({ list: [1], s: Symbol('s') } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    } finally {
      await app.stop();
    }
  });
});
