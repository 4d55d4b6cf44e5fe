// The greeter over HTTP, called the way a user with curl or fetch would, at the documented routes
// (docs/transports/http.md).
import type { App } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreeterProcess } from './main-process.js';
import { serveGreeterOverHttp } from './serve-http.js';

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await serveGreeterOverHttp());
});
afterAll(async () => {
  await app.stop();
});

const json = { 'content-type': 'application/json' };

describe('greeter over HTTP (fetch)', () => {
  it('POST /v1/greetings greets, with the language defaulted', async () => {
    const res = await fetch(`${url}/v1/greetings`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Ada' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ message: 'Hello, Ada!' });
    const fr = await fetch(`${url}/v1/greetings`, { method: 'POST', headers: json, body: '{"name":"Ada","language":"fr"}' });
    expect(await fr.json()).toEqual({ message: 'Bonjour, Ada!' });
  });

  it('GET /v1/languages/:code looks a language up, with NOT_FOUND as problem+json', async () => {
    expect(await (await fetch(`${url}/v1/languages/ja`)).json()).toEqual({
      code: 'ja',
      name: 'Japanese',
      greeting: 'Konnichiwa',
    });
    const missing = await fetch(`${url}/v1/languages/xx`, { headers: { 'x-request-id': 'curl-1' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toEqual({
      type: 'urn:wharf:error:NOT_FOUND',
      title: 'Not Found',
      status: 404,
      detail: 'No greeting for language "xx"; known: en, fr, de, es, ja',
      code: 'NOT_FOUND',
      details: { resource: 'language', code: 'xx' },
      requestId: 'curl-1',
    });
  });

  it('knows no language named after a built-in object property (toString, valueOf)', async () => {
    // Longer names (constructor, __proto__, hasOwnProperty) are refused by the schema (max 8).
    for (const code of ['toString', 'valueOf']) {
      const res = await fetch(`${url}/v1/languages/${code}`);
      // Before: `LANGUAGES[code]` found Object.prototype's members: 200 with a broken body, or a 500.
      expect(res.status, code).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
      const greet = await fetch(`${url}/v1/greetings`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Ada', language: code }),
      });
      // Before: 200 "undefined, Ada!".
      expect(greet.status, code).toBe(404);
    }
  });

  it('GET /v1/countdown/:from streams NDJSON, coercing the path and query', async () => {
    const res = await fetch(`${url}/v1/countdown/3?intervalMs=1`);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(await res.text()).toBe('{"n":3}\n{"n":2}\n{"n":1}\n{"n":0}\n');
  });

  it('GET /v1/stats counts greetings; invalid input gets 400 with field violations', async () => {
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { greeted: number };
    expect(stats.greeted).toBeGreaterThanOrEqual(0);
    const bad = await fetch(`${url}/v1/greetings`, { method: 'POST', headers: json, body: JSON.stringify({ name: '' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: { fieldViolations: unknown[] } }).details.fieldViolations[0]).toMatchObject({
      field: 'name',
      code: 'too_small',
    });
  });

  it('serves /openapi.json, /docs and the health routes', async () => {
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    const docs = await fetch(`${url}/docs`);
    expect(docs.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: 'live' });
    expect(await (await fetch(`${url}/health/ready`)).json()).toEqual({ status: 'ready' });
  });
});

describe('greeter main (npm start)', () => {
  it('serves HTTP on PORT and drains on SIGTERM', async () => {
    const greeter = await startGreeterProcess();
    const address = greeter.addresses.find((a) => a.startsWith('http://127.0.0.1:'));
    const res = await fetch(`${address}/v1/greetings`, { method: 'POST', headers: json, body: '{"name":"Main"}' });
    expect(await res.json()).toEqual({ message: 'Hello, Main!' });
    expect(await greeter.terminate()).toBe(0);
  });
});
