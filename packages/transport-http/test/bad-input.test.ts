import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement } from '@wharf/core';
import { PROBLEM_CONTENT_TYPE } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, type RawResponse, raw, readAll, type Served, serve, socketTo } from './helpers.js';

const calls: unknown[] = [];

const shop = defineContract({
  name: 'shop',
  version: 1,
  methods: {
    order: {
      http: { method: 'POST', path: '/orders' },
      input: z.looseObject({ item: z.string().max(20), qty: z.int().min(1) }),
      output: z.object({ keys: z.array(z.string()), polluted: z.boolean() }),
    },
    show: {
      http: { method: 'GET', path: '/orders/:id' },
      input: z.looseObject({ id: z.string() }),
      output: z.object({ keys: z.array(z.string()), polluted: z.boolean() }),
    },
    crash: { input: z.object({}), output: z.object({}) },
    upload: { stream: 'client', input: z.object({ part: z.string() }), output: z.object({ parts: z.int() }) },
  },
});

const service = implement(shop, {
  order(input) {
    calls.push(input);
    return { keys: Object.keys(input), polluted: ({} as Record<string, unknown>).polluted !== undefined };
  },
  show(input) {
    calls.push(input);
    return { keys: Object.keys(input), polluted: ({} as Record<string, unknown>).polluted !== undefined };
  },
  crash() {
    throw new Error('secret database password in this message');
  },
  async upload(parts) {
    let n = 0;
    for await (const _ of parts) n++;
    return { parts: n };
  },
});

let served: Served;
beforeAll(async () => {
  served = await serve([service]);
});
afterAll(async () => {
  await served.app.stop();
});

function expectProblem(res: RawResponse, status: number, code: string): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
  const problem = res.json();
  expect(problem).toMatchObject({ type: `urn:wharf:error:${code}`, status, code });
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(JSON.stringify(problem)).not.toMatch(/\bat .+:\d+:\d+/);
  return problem;
}

const json = { 'content-type': 'application/json' };

describe('refused requests', () => {
  it('answers an unknown route with 404 problem+json, and a Wharf client with UNIMPLEMENTED', async () => {
    const res = await raw(served.port, 'GET', '/v1/nothing/here?x=1', { headers: { 'x-request-id': 'lost-1' } });
    const problem = expectProblem(res, 404, 'NOT_FOUND');
    expect(problem.detail).toContain('GET /v1/nothing/here');
    expect(problem.requestId).toBe('lost-1');
    expect(res.headers['x-request-id']).toBe('lost-1');
    expect(problem.details).toEqual({ reason: 'NO_ROUTE' });
    const other = defineContract({ name: 'shop', version: 1, methods: { gone: { input: z.object({}), output: z.object({}) } } });
    const app = await caller(
      served.url,
      [other.methods.gone].map((r) => ({ name: r.service, version: r.version })),
    );
    await expect(app.client(other).gone({})).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    await app.stop();
  });

  it('answers a wrong method with 405 and Allow, and OPTIONS with 204 and Allow', async () => {
    const res = await raw(served.port, 'DELETE', '/v1/orders');
    const problem = expectProblem(res, 405, 'UNIMPLEMENTED');
    expect(res.headers.allow).toBe('POST');
    expect(problem.details).toMatchObject({ reason: 'METHOD_NOT_ALLOWED', allow: ['POST'] });
    const options = await raw(served.port, 'OPTIONS', '/v1/orders/7');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD'); // HEAD is served wherever GET is
  });

  it('answers a body over the limit (by Content-Length) with 413 before reading it', async () => {
    const socket = await socketTo(served.port);
    const answer = readAll(socket);
    // Declares 50 MiB and sends 10 bytes of it: the answer must not wait for the rest.
    socket.write(
      `POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${50 * 1024 * 1024}\r\n\r\n{"item":"`,
    );
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
    const problem = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    expect(problem).toMatchObject({ code: 'RESOURCE_EXHAUSTED', status: 413, details: { limit: 1024 * 1024 } });
    expect(socket.destroyed || socket.readableEnded).toBe(true);
  });

  it('answers a streamed (chunked) body with 413 as soon as it passes the limit, and the client still reads it', async () => {
    const socket = await socketTo(served.port);
    const answer = readAll(socket);
    let answered = false;
    void answer.then(() => {
      answered = true;
    });
    socket.on('data', () => {
      answered = true;
    });
    socket.write('POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    // At most 8 MiB; the server must answer after about 1 MiB.
    for (let i = 0; i < 128 && !answered && !socket.destroyed; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
      sent += chunk.length;
      await sleep(2);
    }
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1.1 413 /);
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('answers Expect: 100-continue with 413 for a body over the limit, and with 100 Continue otherwise', async () => {
    const big = await socketTo(served.port);
    const bigAnswer = readAll(big);
    big.write(
      `POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: ${5 * 1024 * 1024}\r\n\r\n`,
    );
    const refusedText = await bigAnswer;
    expect(refusedText).toMatch(/^HTTP\/1.1 413 /);
    expect(refusedText).not.toContain('100 Continue');

    const small = await socketTo(served.port);
    const body = '{"item":"x","qty":2}';
    const continued = new Promise<void>((resolve) => small.once('data', () => resolve()));
    const smallAnswer = readAll(small, 1_000);
    small.write(
      `POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nexpect: 100-continue\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    await continued;
    small.write(body);
    const text = await smallAnswer;
    expect(text).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 /);
  });

  it('applies a configured body limit', async () => {
    const small = await serve([service], { bodyLimit: 64 });
    const ok = await raw(small.port, 'POST', '/v1/orders', { headers: json, body: '{"item":"x","qty":1}' });
    expect(ok.status).toBe(200);
    const res = await raw(small.port, 'POST', '/v1/orders', {
      headers: json,
      body: JSON.stringify({ item: 'x', qty: 1, pad: 'p'.repeat(64) }),
    });
    expectProblem(res, 413, 'RESOURCE_EXHAUSTED');
    await small.app.stop();
  });

  it('answers a body that is not JSON with 415', async () => {
    const body = '{"item":"x","qty":1}';
    expectProblem(
      await raw(served.port, 'POST', '/v1/orders', { headers: { 'content-type': 'text/plain' }, body }),
      415,
      'INVALID_ARGUMENT',
    );
    const bare = await raw(served.port, 'POST', '/v1/orders', { body });
    expect(expectProblem(bare, 415, 'INVALID_ARGUMENT').detail).toMatch(/no Content-Type/);
    const latin1 = await raw(served.port, 'POST', '/v1/orders', {
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      body,
    });
    expectProblem(latin1, 415, 'INVALID_ARGUMENT');
    const vendor = await raw(served.port, 'POST', '/v1/orders', {
      headers: { 'content-type': 'application/vnd.shop+json; charset=UTF-8' },
      body,
    });
    expect(vendor.status).toBe(200);
  });

  it('answers malformed JSON and a body that is not an object with 400', async () => {
    const malformed = expectProblem(
      await raw(served.port, 'POST', '/v1/orders', { headers: json, body: '{"item":' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(malformed.detail).toMatch(/not valid JSON/);
    const array = expectProblem(
      await raw(served.port, 'POST', '/v1/orders', { headers: json, body: '[1,2]' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(array.detail).toMatch(/must be a JSON object/);
  });

  it('answers invalid input with 400 and every field violation', async () => {
    const res = await raw(served.port, 'POST', '/v1/orders', {
      headers: json,
      body: '{"item":"a very long item name indeed","qty":0}',
    });
    const problem = expectProblem(res, 400, 'INVALID_ARGUMENT');
    expect((problem.details as { fieldViolations: { field: string }[] }).fieldViolations.map((v) => v.field).sort()).toEqual([
      'item',
      'qty',
    ]);
    expect(problem.requestId).toBe(res.headers['x-request-id']);
  });

  it('never lets __proto__ or constructor.prototype reach a handler, from the body or the query', async () => {
    const before = calls.length;
    const proto = await raw(served.port, 'POST', '/v1/orders', {
      headers: json,
      body: '{"item":"x","qty":1,"__proto__":{"polluted":true}}',
    });
    expect(expectProblem(proto, 400, 'INVALID_ARGUMENT').detail).toMatch(/prototype poisoning/);
    const nested = await raw(served.port, 'POST', '/v1/orders', {
      headers: json,
      body: '{"item":"x","qty":1,"meta":{"constructor":{"prototype":{"polluted":true}}}}',
    });
    expectProblem(nested, 400, 'INVALID_ARGUMENT');
    expect(calls.length).toBe(before);
    const query = await raw(served.port, 'GET', '/v1/orders/1?__proto__=x&constructor=y&prototype=z&ok=1');
    expect(query.status).toBe(200);
    expect(query.json()).toEqual({ keys: ['id', 'ok'], polluted: false });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers an unexpected exception with 500 INTERNAL and the request id, never its message or stack', async () => {
    const res = await raw(served.port, 'POST', '/v1/shop/crash', {
      headers: { ...json, 'x-request-id': 'req-crash-1' },
      body: '{}',
    });
    const problem = expectProblem(res, 500, 'INTERNAL');
    expect(problem.detail).toBe('Internal error (request id req-crash-1)');
    expect(res.text).not.toContain('secret');
  });

  it('answers an RPC that streams its input with 501 UNIMPLEMENTED', async () => {
    const res = await raw(served.port, 'POST', '/v1/shop/upload', { headers: json, body: '{"part":"a"}' });
    expect(expectProblem(res, 501, 'UNIMPLEMENTED').detail).toMatch(/client-streaming RPC/);
  });
});

describe('slow and malformed clients', () => {
  it('closes a connection whose headers do not arrive in time (slowloris), with 408', async () => {
    const strict = await serve([service], { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100 });
    const socket = await socketTo(strict.port);
    const started = Date.now();
    const answer = readAll(socket);
    socket.write('POST /v1/orders HTTP/1.1\r\nhost: x\r\n');
    const text = await answer;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).toMatch(/^HTTP\/1.1 408 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'DEADLINE_EXCEEDED', status: 408 });
    await strict.app.stop();
  });

  it('closes a connection whose body trickles in slower than the request timeout', async () => {
    const strict = await serve([service], { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100 });
    const socket = await socketTo(strict.port);
    const started = Date.now();
    const answer = readAll(socket);
    socket.write('POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    const text = await answer;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(text).toMatch(/^HTTP\/1.1 408 /);
    await strict.app.stop();
  });

  it('answers bytes that are not HTTP with 400, and oversized headers with 431', async () => {
    const socket = await socketTo(served.port);
    const answer = readAll(socket);
    socket.write('HELLO THERE\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1.1 400 [\s\S]*"code":"INVALID_ARGUMENT"/);
    const big = await socketTo(served.port);
    const bigAnswer = readAll(big);
    big.write(`GET /v1/orders/1 HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(await bigAnswer).toMatch(/^HTTP\/1.1 431 [\s\S]*"code":"RESOURCE_EXHAUSTED"/);
  });
});
