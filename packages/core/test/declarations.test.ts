import {
  createApp,
  type DeclarationError,
  defineContract,
  defineService,
  implement,
  On,
  type OnOptions,
  Rpc,
  type RpcOptions,
  rpc,
  Service,
  serviceFromInstance,
} from '@wharf/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { problemsOf } from './problems.js';

const io = { input: z.object({}), output: z.object({}) };

const start =
  (...services: object[]) =>
  () =>
    createApp({ services, logger: { level: 'silent' } });

describe('start-up checks', () => {
  it('duplicate handler names, naming class and method', () => {
    @Service({ name: 'dup', version: 1 })
    class Dup {
      @Rpc({ ...io, name: 'get' })
      async first() {
        return {};
      }
      @Rpc({ ...io, name: 'Get' })
      async second() {
        return {};
      }
    }
    const problems = problemsOf(start(new Dup()));
    expect(problems).toEqual([
      expect.stringMatching(/^Dup\.second: duplicate handler name "Get" in service "dup" \(also Dup\.first\)$/),
    ]);
  });

  it('missing schemas', () => {
    @Service({ name: 'schemas', version: 1 })
    class Schemas {
      @Rpc({ output: z.object({}) } as unknown as RpcOptions)
      async noInput() {
        return {};
      }
      @Rpc({ input: z.object({}) } as unknown as RpcOptions)
      async noOutput() {
        return {};
      }
      @Rpc({ input: { type: 'object' }, output: z.object({}) } as unknown as RpcOptions)
      async notZod() {
        return {};
      }
      @On('things.*', {} as unknown as OnOptions)
      async onThing() {}
    }
    expect(problemsOf(start(new Schemas()))).toEqual([
      'Schemas.noInput: has no input schema; add `input: z.object({ … })`',
      'Schemas.noOutput: has no output schema; add `output: z.object({ … })`',
      'Schemas.notZod: input is not a zod 4 schema',
      'Schemas.onThing: has no input schema; add `input: z.object({ … })`',
    ]);
  });

  it('names that cannot be mapped onto proto and AMQP identifiers', () => {
    @Service({ name: 'Bad-Name', version: 1 })
    class BadService {
      @Rpc(io)
      async ok() {
        return {};
      }
    }
    expect(problemsOf(start(new BadService()))[0]).toMatch(
      /^BadService: service name "Bad-Name" is invalid: use 1–63 lower-case letters/,
    );

    @Service({ name: 'names', version: 1 })
    class BadMethod {
      @Rpc({ ...io, name: 'get-thing' })
      async get() {
        return {};
      }
      @On('orders..created', { input: z.object({}) })
      async onOrder() {}
      @On('Orders.#', { input: z.object({}) })
      async onUpper() {}
    }
    const problems = problemsOf(start(new BadMethod()));
    expect(problems).toEqual([
      expect.stringMatching(/^BadMethod\.get: name "get-thing" is invalid/),
      expect.stringMatching(/^BadMethod\.onOrder: event pattern "orders\.\.created" is invalid/),
      expect.stringMatching(/^BadMethod\.onUpper: event pattern "Orders\.#" is invalid/),
    ]);
  });

  it('an event handler with an output schema', () => {
    @Service({ name: 'events', version: 1 })
    class Events {
      @On('orders.created', { input: z.object({}), output: z.object({}) } as OnOptions)
      async onCreated() {}
    }
    expect(problemsOf(start(new Events()))).toEqual([
      'Events.onCreated: an event handler cannot have an output schema (events have no reply); remove `output`',
    ]);
  });

  it('a handler that is not a function', () => {
    const notAFunction = defineService({ name: 'nf', version: 1, rpc: { get: { ...io, handler: 'oops' as never } } });
    expect(problemsOf(start(notAFunction))).toEqual(['defineService("nf").rpc.get: the handler is not a function (got string)']);

    @Service({ name: 'getter', version: 1 })
    class Getter {
      // @ts-expect-error the compiler rejects a getter already; the start-up check covers JavaScript.
      @Rpc(io)
      get value() {
        return 42;
      }
    }
    expect(problemsOf(start(new Getter()))).toEqual(['Getter.value: the handler is not a function (got number)']);
  });

  it('a class that is not a service, or a service with no handlers', () => {
    class Plain {
      @Rpc(io)
      async get() {
        return {};
      }
    }
    expect(problemsOf(start(new Plain()))).toEqual([
      'Plain: not a service; decorate the class with @Service({ name, version }) or pass defineService(...)',
    ]);
    @Service({ name: 'empty', version: 1 })
    class Empty {}
    expect(problemsOf(() => serviceFromInstance(new Empty()))).toEqual([
      'Empty: service "empty" declares no handlers; decorate methods with @Rpc or @On',
    ]);
  });

  it('the same service and major version twice in one app; versions must parse', () => {
    const a = defineService({ name: 'twice', version: '1.0.0', rpc: { get: rpc({ ...io, handler: async () => ({}) }) } });
    const b = defineService({ name: 'twice', version: '1.2.0', rpc: { get: rpc({ ...io, handler: async () => ({}) }) } });
    const v2 = defineService({ name: 'twice', version: '2.0.0', rpc: { get: rpc({ ...io, handler: async () => ({}) }) } });
    expect(problemsOf(start(a, b))).toEqual([
      'defineService("twice"): service "twice" v1 is declared twice (also defineService("twice"))',
    ]);
    expect(() => start(a, v2)()).not.toThrow();
    const badVersion = defineService({ name: 'v', version: 'latest', rpc: { get: rpc({ ...io, handler: async () => ({}) }) } });
    expect(problemsOf(start(badVersion))[0]).toMatch(/version "latest" is invalid/);
  });

  it('contracts are checked when declared, and implementations against them', () => {
    expect(
      problemsOf(() =>
        defineContract({ name: 'c', version: 1, methods: { 'do-it': io }, events: { 'bad name': { payload: z.object({}) } } }),
      ),
    ).toEqual([
      expect.stringMatching(/^defineContract\("c"\)\.methods\.do-it: name "do-it" is invalid/),
      expect.stringMatching(/^defineContract\("c"\)\.events\.bad name: event name "c\.bad name" is invalid/),
    ]);
    const c = defineContract({ name: 'c', version: 1, methods: { a: io, b: io } });
    expect(problemsOf(() => implement(c, { a: async () => ({}), z: async () => ({}) } as never))).toEqual([
      'implement(c).z: the contract has no method "z"; remove it or add it to the contract',
      'implement(c).b: no handler for contract method "b"',
    ]);

    const other = defineContract({ name: 'other', version: 1, methods: { a: io } });
    @Service(c)
    class Wrong {
      @Rpc(other.methods.a)
      async a() {
        return {};
      }
    }
    expect(problemsOf(() => serviceFromInstance(new Wrong()))).toEqual([
      'Wrong.a: implements other.a from another contract, but the class is service "c"',
      'Wrong: @Service(c) leaves contract method b unimplemented (callers would get UNIMPLEMENTED); add @Rpc(c.methods.b)',
    ]);
  });

  it('reports every problem at once', () => {
    @Service({ name: 'many', version: 1 })
    class Many {
      @Rpc({ output: z.object({}) } as unknown as RpcOptions)
      async a() {
        return {};
      }
      @Rpc({ input: z.object({}) } as unknown as RpcOptions)
      async b() {
        return {};
      }
    }
    const error = (() => {
      try {
        start(new Many())();
      } catch (e) {
        return e as DeclarationError;
      }
    })();
    expect(error?.problems).toHaveLength(2);
    expect(error?.message).toBe(
      'Invalid service declaration:\n  - Many.a: has no input schema; add `input: z.object({ … })`\n  - Many.b: has no output schema; add `output: z.object({ … })`',
    );
  });
});

describe('checks of the app as a whole', () => {
  it('a middleware entry with checkEndpoints sees every endpoint once and its problems fail createApp', () => {
    const events = defineContract({ name: 'audit', version: 1, methods: {}, events: { seen: { payload: z.object({}) } } });
    @Service({ name: 'checked', version: 1 })
    class Checked {
      @Rpc({ ...io })
      async a() {
        return {};
      }
      @On(events.events.seen, { name: 'onSeen', description: 'options beside an event reference' })
      async seen() {}
    }
    const seen: string[] = [];
    const entry = {
      forEndpoint: () => undefined,
      checkEndpoints(endpoints: readonly { fullName: string; source: string }[]) {
        seen.push(...endpoints.map((e) => e.fullName));
        return endpoints.map((e) => `${e.source}: declares nothing`);
      },
    };
    const problems = problemsOf(() =>
      createApp({ services: [new Checked()], middleware: { server: [entry] }, logger: { level: 'silent' } }),
    );
    expect(seen).toEqual(['checked.a', 'checked.onSeen']);
    expect(problems).toEqual(['Checked.a: declares nothing', 'Checked.seen: declares nothing']);
    const fine = { forEndpoint: () => undefined, checkEndpoints: () => [] };
    expect(() =>
      createApp({ services: [new Checked()], middleware: { server: [fine] }, logger: { level: 'silent' } }),
    ).not.toThrow();
  });
});
