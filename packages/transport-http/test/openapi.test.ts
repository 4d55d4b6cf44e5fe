import SwaggerParser from '@apidevtools/swagger-parser';
import { defineContract, implement } from '@wharf/core';
import { openApiDocument } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { raw, type Served, serve } from './helpers.js';

interface Category {
  name: string;
  children: Category[];
}
const Category: z.ZodType<Category> = z.object({
  name: z.string(),
  get children() {
    return z.array(Category);
  },
});
const Money = z.object({ amount: z.number(), currency: z.string().length(3) }).meta({ id: 'Money' });

const store = defineContract({
  name: 'store',
  version: '1.4.0',
  description: 'A small store.',
  methods: {
    getProduct: {
      description: 'One product.',
      http: { method: 'GET', path: '/products/:id' },
      input: z.object({ id: z.int().positive(), fields: z.array(z.string()).optional(), fresh: z.boolean().default(false) }),
      output: z.object({ id: z.int(), name: z.string(), price: Money }),
    },
    addProduct: {
      http: { method: 'POST', path: '/products', status: 201, security: [{ bearer: ['admin'] }] },
      input: z.object({ name: z.string().min(1).describe('Shown to customers'), price: Money, category: Category.optional() }),
      output: z.object({ id: z.int() }),
    },
    renameProduct: {
      http: { method: 'PATCH', path: '/products/{id}' },
      input: z.object({ id: z.int(), name: z.string() }),
      output: z.object({ id: z.int(), name: z.string() }),
    },
    feed: {
      stream: 'server',
      input: z.object({ since: z.iso.datetime().optional() }),
      output: z.object({ id: z.int(), at: z.iso.datetime() }),
    },
    health: { http: { method: 'GET', path: '/ping', security: [] }, input: z.object({}), output: z.object({ ok: z.boolean() }) },
    upload: { stream: 'bidi', input: z.object({ chunk: z.string() }), output: z.object({ n: z.int() }) },
  },
});

const service = implement(store, {
  getProduct: ({ id }) => ({ id, name: 'lamp', price: { amount: 1, currency: 'EUR' } }),
  addProduct: () => ({ id: 1 }),
  renameProduct: ({ id, name }) => ({ id, name }),
  async *feed() {
    yield { id: 1, at: new Date(0).toISOString() };
  },
  health: () => ({ ok: true }),
  async *upload(chunks) {
    let n = 0;
    for await (const _ of chunks) yield { n: ++n };
  },
});

const security = {
  securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  security: [{ bearer: [] }],
};

let served: Served;
beforeAll(async () => {
  served = await serve([service], { openapi: { title: 'Store API', ...security } });
});
afterAll(async () => {
  await served.app.stop();
});

type Doc = Record<string, never> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: Record<string, Record<string, unknown>>;
};

describe('OpenAPI 3.1', () => {
  it('serves a document that a standard validator accepts', async () => {
    const res = await fetch(`${served.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const document = (await res.json()) as { openapi: string };
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('describes each operation: id, parameters, body, responses, security', async () => {
    const doc = (await (await fetch(`${served.url}/openapi.json`)).json()) as Doc;
    expect(doc.info).toEqual({ title: 'Store API', version: '1.4.0', description: 'A small store.' });
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/ping', '/v1/products', '/v1/products/{id}', '/v1/store/feed']);

    const get = doc.paths['/v1/products/{id}']?.get as Record<string, unknown>;
    expect(get.operationId).toBe('store_getProduct');
    expect(get.tags).toEqual(['store']);
    expect(get.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 } },
      { name: 'fields', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } } },
      { name: 'fresh', in: 'query', required: false, schema: { type: 'boolean', default: false } },
    ]);
    expect(get.requestBody).toBeUndefined();
    expect(get.responses).toMatchObject({
      '200': { content: { 'application/json': { schema: { properties: { price: { $ref: '#/components/schemas/Money' } } } } } },
      '400': { $ref: '#/components/responses/InvalidArgument' },
      default: { $ref: '#/components/responses/Error' },
    });

    const patch = doc.paths['/v1/products/{id}']?.patch as Record<string, unknown>;
    expect(patch.requestBody).toEqual({
      required: true,
      content: {
        'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
    });

    const post = doc.paths['/v1/products']?.post as Record<string, Record<string, unknown>>;
    expect(Object.keys(post.responses ?? {})).toEqual(['201', '400', '413', '415', 'default']);
    expect(post.security).toEqual([{ bearer: ['admin'] }]);
    const content = post.requestBody!.content as Record<string, { schema: Record<string, Record<string, unknown>> }>;
    const body = content['application/json'];
    expect(body?.schema.properties?.name).toMatchObject({ type: 'string', minLength: 1, description: 'Shown to customers' });
    expect(body?.schema.properties?.category).toEqual({ $ref: '#/components/schemas/store_addProduct_input_schema0' });
    expect(doc.components.schemas?.store_addProduct_input_schema0).toMatchObject({
      properties: { children: { items: { $ref: '#/components/schemas/store_addProduct_input_schema0' } } },
    });
    expect(doc.components.schemas?.MoneyInput).toBeDefined();

    expect((doc.paths['/v1/ping']!.get as Record<string, unknown>).security).toEqual([]);
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes).toEqual(security.securitySchemes);

    const feed = doc.paths['/v1/store/feed']?.post as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(feed.responses?.['200']?.content ?? {})).toEqual(['application/x-ndjson']);
    expect(feed['x-wharf-stream']).toBe('server');
    expect(JSON.stringify(doc)).not.toContain('upload');
  });

  it('describes errors as RFC 9457 problems with the canonical codes', async () => {
    const doc = (await (await fetch(`${served.url}/openapi.json`)).json()) as Doc;
    const problem = doc.components.schemas?.Problem as { required: string[]; properties: { code: { enum: string[] } } };
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'code']);
    expect(problem.properties.code.enum).toHaveLength(16);
    expect(doc.components.responses?.Error).toMatchObject({
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });

  it('is the same document openApiDocument() generates, and validates for contracts and several majors too', async () => {
    const served1 = (await (await fetch(`${served.url}/openapi.json`)).json()) as Doc;
    expect(served1).toEqual(
      JSON.parse(JSON.stringify(openApiDocument(served.app.services, { title: 'Store API', ...security }))),
    );
    const v2 = defineContract({
      name: 'store',
      version: '2.0.0',
      methods: {
        getProduct: { http: { method: 'GET', path: '/products/:id' }, input: z.object({ id: z.string() }), output: z.object({}) },
      },
    });
    const both = openApiDocument([store, v2], { prefix: '/api', servers: [{ url: 'https://store.example' }] });
    expect(Object.keys(both.paths)).toContain('/api/v2/products/{id}');
    const ids = Object.values(both.paths).flatMap((ops) =>
      Object.values(ops as Record<string, { operationId: string }>).map((o) => o.operationId),
    );
    expect(ids).toContain('store_v1_getProduct');
    expect(ids).toContain('store_v2_getProduct');
    expect(new Set(ids).size).toBe(ids.length);
    await expect(SwaggerParser.validate(structuredClone(both) as never)).resolves.toBeDefined();
  });

  it('can be turned off, as can the docs and health routes', async () => {
    const bare = await serve([service], { openapi: false, health: false });
    expect((await raw(bare.port, 'GET', '/openapi.json')).status).toBe(404);
    expect((await raw(bare.port, 'GET', '/docs')).status).toBe(404);
    expect((await raw(bare.port, 'GET', '/health/live')).status).toBe(404);
    await bare.app.stop();
    const moved = await serve([service], {
      openapi: { path: '/spec.json' },
      docs: { path: '/api-docs' },
      health: { live: '/livez', ready: '/readyz' },
    });
    expect((await raw(moved.port, 'GET', '/spec.json')).status).toBe(200);
    expect((await raw(moved.port, 'GET', '/api-docs')).text).toContain('/api-docs/swagger-ui-bundle.js');
    expect((await raw(moved.port, 'GET', '/livez')).status).toBe(200);
    expect((await raw(moved.port, 'HEAD', '/readyz')).status).toBe(200);
    await moved.app.stop();
  });

  it('docs with OAuth sign-in: the page initialises PKCE sign-in, serves the redirect page, and lets the page call the token endpoint', async () => {
    const signed = await serve([service], {
      docs: {
        oauth: { clientId: 'docs', tokenUrl: 'https://id.example.com/token', scopes: ['a'], params: { resource: 'urn:x' } },
      },
    });
    const init = (await raw(signed.port, 'GET', '/docs/swagger-initializer.js')).text;
    expect(init).toContain('"usePkceWithAuthorizationCodeGrant":true');
    expect(init).toContain('"clientId":"docs"');
    expect(init).toContain('/docs/oauth2-redirect.html');
    const page = await fetch(`${signed.transport.address}/docs/oauth2-redirect.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' https://id.example.com;");
    expect((await raw(signed.port, 'GET', '/docs/oauth2-redirect.js')).status).toBe(200);
    await signed.app.stop();
    // Without sign-in there is no redirect page, and the page may call its own origin only.
    const plain = await serve([service]);
    expect((await raw(plain.port, 'GET', '/docs/oauth2-redirect.html')).status).toBe(404);
    expect((await fetch(`${plain.transport.address}/docs`)).headers.get('content-security-policy')).toContain(
      "connect-src 'self';",
    );
    await plain.app.stop();
  });
});
