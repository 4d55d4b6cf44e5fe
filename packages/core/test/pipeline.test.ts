import {
  type CallMiddleware,
  type ClientMiddleware,
  compose,
  createApp,
  defineContract,
  implement,
  type ServerMiddleware,
  WharfError,
} from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const echo = defineContract({
  name: 'echo',
  version: 1,
  methods: { say: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) } },
});

describe('pipeline', () => {
  it('one middleware installed on both the server and the client pipeline sees both sides', async () => {
    const seen: string[] = [];
    // Written once against the common call shape: side, kind, service, method, transport,
    // metadata, deadline and locals are there on either side.
    const tag: CallMiddleware = async (call, next) => {
      const deadlineSet = call.deadline !== undefined;
      if (call.side === 'client') call.metadata['x-tagged-by'] = 'client';
      try {
        return await next();
      } finally {
        const tagged = call.metadata['x-tagged-by'] ?? '-';
        seen.push(
          `${call.side} ${call.kind} ${call.service}.${call.method} via ${call.transport} tag=${tagged} deadline=${deadlineSet}`,
        );
      }
    };
    const app = createApp({
      services: [implement(echo, { say: async ({ text }, ctx) => ({ text: `${text} (${ctx.metadata['x-tagged-by']})` }) })],
      middleware: { server: [tag], client: [tag] },
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    try {
      await expect(app.client(echo).say({ text: 'hi' })).resolves.toEqual({ text: 'hi (client)' });
      expect(seen).toEqual([
        'server rpc echo.say via memory tag=client deadline=true',
        'client rpc echo.say via memory tag=client deadline=true',
      ]);
    } finally {
      await app.stop();
    }
  });

  it('compose runs middleware as an onion, in order', async () => {
    const trace: string[] = [];
    const layer =
      (name: string) =>
      async (_ctx: string[], next: () => Promise<unknown>): Promise<unknown> => {
        trace.push(`${name}>`);
        const out = await next();
        trace.push(`<${name}`);
        return `${name}(${out})`;
      };
    const run = compose([layer('a'), layer('b'), layer('c')], async () => {
      trace.push('handler');
      return 'x';
    });
    await expect(run([])).resolves.toBe('a(b(c(x)))');
    expect(trace).toEqual(['a>', 'b>', 'c>', 'handler', '<c', '<b', '<a']);
  });

  it('a middleware that does not call next short-circuits everything inside it', async () => {
    let reached = false;
    const inner = async (_c: unknown, next: () => Promise<unknown>) => {
      reached = true;
      return next();
    };
    const run = compose<unknown>([async () => 'cached', inner], async () => 'handler');
    await expect(run({})).resolves.toBe('cached');
    expect(reached).toBe(false);
  });

  it('a synchronous throw becomes a rejection', async () => {
    const run = compose<unknown>(
      [
        () => {
          throw new Error('sync');
        },
      ],
      async () => 'x',
    );
    const result = run({});
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('sync');
  });

  it('server middleware runs around validation and the handler, in the order given', async () => {
    const trace: string[] = [];
    const observe: ServerMiddleware = async (ctx, next) => {
      trace.push(`observe input=${JSON.stringify(ctx.input)}`);
      const out = await next();
      trace.push(`observe output=${JSON.stringify(out)}`);
      return out;
    };
    const guard: ServerMiddleware = async (ctx, next) => {
      trace.push('guard');
      if (ctx.metadata.authorization !== 'Bearer ok') throw new WharfError('UNAUTHENTICATED', 'no token');
      ctx.locals.user = 'ada';
      return next();
    };
    const service = implement(echo, {
      async say({ text }, ctx) {
        trace.push(`handler user=${String(ctx.locals.user)}`);
        return { text };
      },
    });
    const app = await createTestApp({ services: [service], middleware: { server: [observe, guard] } });
    await expect(app.client(echo).say({ text: 'hi' }, { metadata: { authorization: 'Bearer ok' } })).resolves.toEqual({
      text: 'hi',
    });
    expect(trace).toEqual(['observe input={"text":"hi"}', 'guard', 'handler user=ada', 'observe output={"text":"hi"}']);

    trace.length = 0;
    await expect(app.client(echo).say({ text: 'hi' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(trace).toEqual(['observe input={"text":"hi"}', 'guard']);

    // The guard runs before validation: an anonymous caller learns nothing about the schema.
    trace.length = 0;
    await expect(app.client(echo).say({ text: 5 as unknown as string })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await app.stop();
  });

  it('the function form receives the built-ins and sets the whole order', async () => {
    const trace: string[] = [];
    const service = implement(echo, { say: async (i) => i });
    const app = await createTestApp({
      services: [service],
      middleware: {
        server: ({ validation }) => [
          validation,
          async (ctx, next) => {
            trace.push(`after validation: ${typeof ctx.input}`);
            return next();
          },
        ],
      },
    });
    await expect(app.client(echo).say({ text: 1 as unknown as string })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(trace).toEqual([]);
    await app.client(echo).say({ text: 'ok' });
    expect(trace).toEqual(['after validation: object']);
    await app.stop();
  });

  it('endpoint middleware specialises per endpoint at start-up and can opt out', async () => {
    const built: string[] = [];
    const calls: string[] = [];
    const two = defineContract({
      name: 'two',
      version: 1,
      methods: {
        open: { input: z.object({}), output: z.object({}) },
        closed: { input: z.object({}), output: z.object({}) },
      },
    });
    const app = await createTestApp({
      services: [implement(two, { open: async () => ({}), closed: async () => ({}) })],
      middleware: {
        server: [
          {
            forEndpoint(endpoint) {
              built.push(endpoint.fullName);
              if (endpoint.name === 'open') return undefined;
              return (ctx, next) => {
                calls.push(ctx.method);
                return next();
              };
            },
          },
        ],
      },
    });
    expect(built.sort()).toEqual(['two.closed', 'two.open']);
    await app.client(two).open({});
    await app.client(two).closed({});
    await app.client(two).closed({});
    expect(calls).toEqual(['closed', 'closed']);
    expect(built).toHaveLength(2);
    await app.stop();
  });

  it('client middleware sees each call and may retry it by calling next again', async () => {
    let attempts = 0;
    const service = implement(echo, {
      async say({ text }) {
        attempts++;
        if (attempts < 3) throw new WharfError('UNAVAILABLE', 'try again');
        return { text };
      },
    });
    const seen: string[] = [];
    const retry: ClientMiddleware = async (call, next) => {
      if (call.kind === 'rpc') seen.push(`${call.ref.fullName} ${call.metadata['x-request-id'] ? 'with id' : 'no id'}`);
      for (let i = 0; ; i++) {
        try {
          return await next();
        } catch (error) {
          if (i >= 4 || !(error instanceof WharfError) || error.code !== 'UNAVAILABLE') throw error;
        }
      }
    };
    const app = await createTestApp({ services: [service], middleware: { client: [retry] } });
    await expect(app.client(echo).say({ text: 'third time' })).resolves.toEqual({ text: 'third time' });
    expect(attempts).toBe(3);
    expect(seen).toEqual(['echo.say with id']);
    await app.stop();
  });
});
