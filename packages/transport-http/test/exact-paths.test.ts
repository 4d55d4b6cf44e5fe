// Serving an existing API unchanged: exact paths, without the /v<major> prefix, per method or for
// a whole contract; the versioned prefix stays the default.
import { createApp, defineContract, implement } from '@wharf/core';
import { exactPaths, httpTransport } from '@wharf/transport-http';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const User = z.object({ id: z.int(), name: z.string() });
const users = defineContract({
  name: 'users',
  version: '2.0.0',
  methods: {
    // An existing route, kept as it is.
    byId: {
      input: z.object({ id: z.coerce.number().int() }),
      output: User,
      http: { method: 'GET', path: '/api/users/:id', exact: true },
    },
    // A new method: versioned, as by default.
    rename: { input: User, output: User },
  },
});
const legacy = defineContract({
  name: 'legacy',
  version: '1.0.0',
  methods: exactPaths({
    ping: { input: z.object({}), output: z.object({ pong: z.boolean() }) },
    status: { input: z.object({}), output: z.object({ ok: z.boolean() }), http: { method: 'GET', path: '/status' } },
  }),
});
const quiet = { logger: { level: 'silent' }, shutdown: { signals: false as const } };

describe('exact HTTP paths', () => {
  it('per method and for a whole contract, in the routes, the OpenAPI document and for Wharf clients', async () => {
    const http = httpTransport({ port: 0 });
    const app = createApp({
      services: [
        implement(users, { byId: async ({ id }) => ({ id, name: `user ${id}` }), rename: async (user) => user }),
        implement(legacy, { ping: async () => ({ pong: true }), status: async () => ({ ok: true }) }),
      ],
      transports: [http],
      ...quiet,
    });
    await app.start();
    const base = `http://127.0.0.1:${http.port}`;
    const post = (path: string, body: unknown) =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      expect(await (await fetch(`${base}/api/users/7`)).json()).toEqual({ id: 7, name: 'user 7' });
      expect((await fetch(`${base}/v2/api/users/7`)).status).toBe(404);
      expect((await post('/v2/users/rename', { id: 1, name: 'Ada' })).status).toBe(200);
      expect(await (await post('/legacy/ping', {})).json()).toEqual({ pong: true });
      expect((await post('/v1/legacy/ping', {})).status).toBe(404);
      expect(await (await fetch(`${base}/status`)).json()).toEqual({ ok: true });

      const paths = Object.keys(((await (await fetch(`${base}/openapi.json`)).json()) as { paths: object }).paths).sort();
      expect(paths).toEqual(['/api/users/{id}', '/legacy/ping', '/status', '/v2/users/rename']);

      // Another app calling through the contract finds the same routes.
      const caller = createApp({ transports: [httpTransport()], ...quiet });
      await caller.start();
      await expect(caller.client(users).byId({ id: 3 }, { address: base })).resolves.toEqual({ id: 3, name: 'user 3' });
      await expect(caller.client(legacy).ping({}, { address: base })).resolves.toEqual({ pong: true });
      await caller.stop();
    } finally {
      await app.stop();
    }
  });

  it('a bad exact option is a start-up error', () => {
    const bad = defineContract({
      name: 'bad',
      version: '1.0.0',
      methods: { x: { input: z.object({}), output: z.object({}), http: { path: 'no-slash', exact: true } } },
    });
    expect(() =>
      createApp({ services: [implement(bad, { x: async () => ({}) })], transports: [httpTransport({ port: 0 })], ...quiet }),
    ).not.toThrow(); // checked when the transport starts listening
    const app = createApp({
      services: [implement(bad, { x: async () => ({}) })],
      transports: [httpTransport({ port: 0 })],
      ...quiet,
    });
    return expect(app.start()).rejects.toThrow(/http.path "no-slash" must start with "\/" \(it is served as written\)/);
  });
});
