import { createApp, DeclarationError, defineContract, implement, WharfError } from '@wharf/core';
import { httpRouteOf, httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, raw, type Served, serve } from './helpers.js';

const echo = z.object({ fields: z.record(z.string(), z.tuple([z.string(), z.string()])) });

function describeInput(input: object) {
  const fields: Record<string, [string, string]> = {};
  for (const [key, value] of Object.entries(input)) fields[key] = [Array.isArray(value) ? 'array' : typeof value, String(value)];
  return { fields };
}

const catalog = defineContract({
  name: 'catalog',
  version: '1.2.0',
  methods: {
    getItem: {
      http: { method: 'GET', path: '/items/:id' },
      input: z.object({
        id: z.int().positive(),
        verbose: z.boolean().default(false),
        tags: z.array(z.string()).default([]),
        limit: z.number().optional(),
        big: z.bigint().optional(),
        mode: z.enum(['a', 'b']).optional(),
        either: z.union([z.int(), z.string()]).optional(),
      }),
      output: echo,
    },
    createItem: {
      http: { method: 'POST', path: '/items', status: 201 },
      input: z.object({ name: z.string(), price: z.number() }),
      output: echo,
    },
    updateItem: {
      http: { method: 'PUT', path: '/items/{id}' },
      input: z.object({ id: z.int(), name: z.string() }),
      output: echo,
    },
    patchItem: {
      http: { method: 'PATCH', path: '/items/:id' },
      input: z.object({ id: z.int(), price: z.number() }),
      output: echo,
    },
    removeItem: {
      http: { method: 'DELETE', path: '/items/:id' },
      input: z.object({ id: z.int(), hard: z.boolean().optional() }),
      output: echo,
    },
    byName: {
      http: { method: 'GET', path: '/names/:name' },
      input: z.object({ name: z.string() }),
      output: echo,
    },
    search: { input: z.object({ q: z.string(), page: z.int().default(1) }), output: echo },
    ping: { input: z.string(), output: z.object({ pong: z.string() }) },
  },
});

const v2 = defineContract({
  name: 'catalog',
  version: '2.0.0',
  methods: {
    getItem: {
      http: { method: 'GET', path: '/items/:id' },
      input: z.object({ id: z.string() }),
      output: z.object({ id: z.string(), version: z.literal(2) }),
    },
  },
});

const catalogService = implement(catalog, {
  getItem: describeInput,
  createItem: describeInput,
  updateItem: describeInput,
  patchItem: describeInput,
  removeItem: describeInput,
  byName: describeInput,
  search: describeInput,
  ping: (input) => ({ pong: input }),
});
const v2Service = implement(v2, { getItem: ({ id }) => ({ id, version: 2 as const }) });

let served: Served;
beforeAll(async () => {
  served = await serve([catalogService, v2Service]);
});
afterAll(async () => {
  await served.app.stop();
});

const json = { 'content-type': 'application/json' };

type Echo = z.infer<typeof echo>;
type Problem = { code: string; details: { fieldViolations: { field: string }[] } };

async function fields(res: Response | Promise<Response>): Promise<Echo['fields']> {
  return ((await (await res).json()) as Echo).fields;
}

describe('route mapping', () => {
  it('merges path parameters and the query string into the input, coercing strings the schema wants as numbers, booleans, arrays', async () => {
    const res = await fetch(
      `${served.url}/v1/items/42?verbose=true&tags=a&tags=b&limit=2.5&big=9007199254740993&mode=b&either=7`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await fields(res)).toEqual({
      id: ['number', '42'],
      verbose: ['boolean', 'true'],
      tags: ['array', 'a,b'],
      limit: ['number', '2.5'],
      big: ['bigint', '9007199254740993'],
      mode: ['string', 'b'],
      either: ['string', '7'],
    });
  });

  it('makes a single query value an array for an array field, and takes 1/0 for booleans', async () => {
    const seen = await fields(fetch(`${served.url}/v1/items/7?tags=only&verbose=0`));
    expect(seen.tags).toEqual(['array', 'only']);
    expect(seen.verbose).toEqual(['boolean', 'false']);
  });

  it('lets the path win over the query and the body, and decodes path parameters', async () => {
    expect((await fields(fetch(`${served.url}/v1/items/42?id=7`))).id).toEqual(['number', '42']);
    const put = await fetch(`${served.url}/v1/items/5`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ id: 9, name: 'x' }),
    });
    expect(await fields(put)).toEqual({ id: ['number', '5'], name: ['string', 'x'] });
    expect((await fields(fetch(`${served.url}/v1/names/a%20b%2Fc%C3%A9`))).name).toEqual(['string', 'a b/cé']);
  });

  it('answers a string that does not coerce with a field violation naming it', async () => {
    const res = await fetch(`${served.url}/v1/items/abc?verbose=maybe`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.code).toBe('INVALID_ARGUMENT');
    expect(problem.details.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(['id', 'verbose']);
  });

  it('serves POST with a status, PATCH and DELETE, the default route, and a non-object input', async () => {
    const created = await fetch(`${served.url}/v1/items`, {
      method: 'POST',
      headers: json,
      body: '{"name":"lamp","price":12.5}',
    });
    expect(created.status).toBe(201);
    expect((await fields(created)).price).toEqual(['number', '12.5']);
    const patched = await fetch(`${served.url}/v1/items/3`, { method: 'PATCH', headers: json, body: '{"price":1}' });
    expect(await fields(patched)).toEqual({ id: ['number', '3'], price: ['number', '1'] });
    const removed = await fetch(`${served.url}/v1/items/3?hard=true`, { method: 'DELETE' });
    expect(await fields(removed)).toEqual({ id: ['number', '3'], hard: ['boolean', 'true'] });
    const search = await fetch(`${served.url}/v1/catalog/search`, { method: 'POST', headers: json, body: '{"q":"lamp"}' });
    expect(await fields(search)).toEqual({ q: ['string', 'lamp'], page: ['number', '1'] });
    const ping = await fetch(`${served.url}/v1/catalog/ping`, { method: 'POST', headers: json, body: '"hi"' });
    expect(await ping.json()).toEqual({ pong: 'hi' });
  });

  it('accepts a trailing slash, and reads an empty POST body as the empty object', async () => {
    const res = await fetch(`${served.url}/v1/items/8/`);
    expect(res.status).toBe(200);
    const empty = await raw(served.port, 'POST', '/v1/catalog/search', { headers: { 'content-length': '0' } });
    expect(empty.status).toBe(400);
    expect(empty.json().details).toMatchObject({ fieldViolations: [{ field: 'q' }] });
  });

  it('serves two major versions of a service side by side', async () => {
    await expect((await fetch(`${served.url}/v2/items/x1`)).json()).resolves.toEqual({ id: 'x1', version: 2 });
    await expect((await fetch(`${served.url}/v1/items/1`)).json()).resolves.toMatchObject({ fields: { id: ['number', '1'] } });
  });

  it('routes a Wharf client through the same routes, query encoding included', async () => {
    const app = await caller(served.url, [catalog, v2]);
    const client = app.client(catalog);
    await expect(client.getItem({ id: 42, tags: ['x', 'y z'], verbose: true, limit: 3 })).resolves.toEqual({
      fields: { id: ['number', '42'], tags: ['array', 'x,y z'], verbose: ['boolean', 'true'], limit: ['number', '3'] },
    });
    await expect(client.updateItem({ id: 4, name: 'n' })).resolves.toEqual({
      fields: { name: ['string', 'n'], id: ['number', '4'] },
    });
    await expect(client.removeItem({ id: 4 })).resolves.toEqual({ fields: { id: ['number', '4'] } });
    await expect(client.ping('yo')).resolves.toEqual({ pong: 'yo' });
    await expect(app.client(v2).getItem({ id: 'a/b' })).resolves.toEqual({ id: 'a/b', version: 2 });
    await app.stop();
  });

  it('refuses, on the client, input that a GET query string cannot carry', async () => {
    const app = await caller(served.url, [catalog]);
    const error = await app
      .client(catalog)
      .getItem({ id: 1, tags: [{ nested: true }] as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { fieldViolations: [{ field: 'tags' }] } });
    await app.stop();
  });

  it('describes routes with httpRouteOf', () => {
    expect(httpRouteOf(catalog.methods.getItem)).toMatchObject({
      method: 'GET',
      path: '/v1/items/:id',
      params: ['id'],
      declared: true,
    });
    expect(httpRouteOf(catalog.methods.search)).toMatchObject({ method: 'POST', path: '/v1/catalog/search', declared: false });
    expect(httpRouteOf(catalog.methods.updateItem).path).toBe('/v1/items/:id');
  });
});

describe('prefix', () => {
  it('serves every route under the prefix, and registers the prefixed address so clients use it', async () => {
    const prefixed = await serve([catalogService], { prefix: '/api/' });
    expect(prefixed.url).toMatch(/\/api$/);
    expect((await fetch(`${prefixed.url}/v1/items/1`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${prefixed.port}/v1/items/1`)).status).toBe(404);
    expect((await fetch(`${prefixed.url}/health/live`)).status).toBe(200);
    const app = await caller(prefixed.url, [catalog]);
    await expect(app.client(catalog).ping('p')).resolves.toEqual({ pong: 'p' });
    await app.stop();
    await prefixed.app.stop();
  });
});

describe('route declarations', () => {
  async function startWith(http: unknown, input: z.ZodType = z.object({ id: z.string() })) {
    const contract = defineContract({
      name: 'bad',
      version: 1,
      methods: { one: { http: http as never, input, output: z.object({}) }, two: { input, output: z.object({}) } },
    });
    const app = createApp({
      services: [implement(contract, { one: () => ({}), two: () => ({}) })],
      transports: [httpTransport({ port: 0 })],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    return app.start().then(
      () => app.stop().then(() => undefined),
      (error: unknown) => error,
    );
  }

  it('refuses bad paths, unknown parameters, bad methods and clashing routes at start-up, naming each', async () => {
    const noSlash = await startWith({ path: 'items' });
    expect(noSlash).toBeInstanceOf(DeclarationError);
    expect(String(noSlash)).toMatch(/must start with "\/"/);
    expect(String(await startWith({ path: '/items/:code' }))).toMatch(/path parameter "code" is not a field of the input/);
    expect(String(await startWith({ method: 'TRACE' }))).toMatch(/http.method "TRACE" is not one of/);
    expect(String(await startWith({ path: '/x/*' }))).toMatch(/is not a literal/);
    expect(String(await startWith({ path: '/bad/two' }))).toMatch(/route POST \/v1\/bad\/two is also used by/);
    await expect(startWith({ method: 'GET', path: '/items/:id' })).resolves.toBeUndefined();
  });
});
