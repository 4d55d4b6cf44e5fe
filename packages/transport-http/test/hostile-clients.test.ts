// What an outside review found by talking to the server as an attacker, and as clients in other
// languages would: each test sends the bytes on a raw socket and checks the answer.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement } from '@wharf/core';
import { PROBLEM_CONTENT_TYPE } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { raw, readAll, type Served, serve, socketTo } from './helpers.js';

const hostile = defineContract({
  name: 'hostile',
  version: 1,
  methods: {
    echo: {
      http: { method: 'POST', path: '/echo' },
      input: z.object({ name: z.string().default('nobody') }),
      output: z.object({ name: z.string() }),
    },
    deep: {
      http: { method: 'POST', path: '/deep' },
      input: z.object({ value: z.unknown() }),
      output: z.object({ ok: z.boolean() }),
    },
    slow: {
      http: { method: 'GET', path: '/slow/:id' },
      input: z.object({ id: z.int() }),
      output: z.object({ id: z.int() }),
    },
    hello: {
      http: { method: 'GET', path: '/hello' },
      input: z.object({}),
      output: z.object({ message: z.string() }),
    },
    ticks: {
      http: { method: 'GET', path: '/ticks' },
      stream: 'server',
      input: z.object({}),
      output: z.object({ i: z.int() }),
    },
  },
});

let running = 0;
let mostAtOnce = 0;
const ticksEnded: string[] = [];

const service = implement(hostile, {
  async echo({ name }) {
    return { name };
  },
  async deep() {
    return { ok: true };
  },
  async slow({ id }) {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    await sleep(10);
    running--;
    return { id };
  },
  async hello() {
    return { message: 'hello' };
  },
  async *ticks() {
    try {
      for (let i = 0; ; i++) yield { i };
    } finally {
      ticksEnded.push('ticks');
    }
  },
});

let served: Served;
beforeAll(async () => {
  served = await serve([service]);
});
afterAll(async () => {
  await served.app.stop();
});

const json = { 'content-type': 'application/json' };

/** Reads HTTP/1.1 responses off `socket` until `count` have arrived (content-length bodies only). */
function responses(socket: Awaited<ReturnType<typeof socketTo>>, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    let buffer = '';
    const out: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        const head = buffer.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
        if (buffer.length < head + 4 + length) return;
        out.push(buffer.slice(0, head + 4 + length));
        buffer = buffer.slice(head + 4 + length);
        if (out.length === count) resolve(out);
      }
    });
  });
}

describe('requests a plain client would not send', () => {
  it('refuses a request with more header fields than the limit (431) rather than lose its body', async () => {
    const body = '{"name":"Ada"}';
    for (const count of [1_100, 2_000, 2_500]) {
      const socket = await socketTo(served.port);
      const answer = readAll(socket);
      const many = Array.from({ length: count }, (_, i) => `a${i}:1\r\n`).join('');
      socket.write(
        `POST /v1/echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${many}content-length: ${body.length}\r\n\r\n${body}`,
      );
      const text = await answer;
      // Before: Node dropped the headers past its count, Content-Length among them, and the handler
      // ran without the body ({"name":"nobody"}).
      expect(text).not.toContain('"name":"nobody"');
      expect(text).toMatch(/^HTTP\/1.1 431 /);
      expect(text).toContain('"code":"RESOURCE_EXHAUSTED"');
      expect(text.toLowerCase()).toContain('connection: close');
    }
    // A request under the limit is served as usual.
    const ok = await raw(served.port, 'POST', '/v1/echo', { headers: { ...json, 'x-a': '1' }, body });
    expect(ok.json()).toEqual({ name: 'Ada' });
  });

  it('refuses JSON nested deeper than the limit (400) without parsing it, and accepts it up to the limit', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const atLimit = await raw(served.port, 'POST', '/v1/deep', {
      headers: json,
      body: `{"value":${nested(63)}}`,
    });
    expect(atLimit.status).toBe(200);
    const over = await raw(served.port, 'POST', '/v1/deep', { headers: json, body: `{"value":${nested(64)}}` });
    expect(over.status).toBe(400);
    expect(over.json()).toMatchObject({ code: 'INVALID_ARGUMENT', details: { reason: 'JSON_TOO_DEEP', maxDepth: 64 } });
    // Brackets inside strings are text, not nesting.
    const text = await raw(served.port, 'POST', '/v1/deep', {
      headers: json,
      body: JSON.stringify({ value: `${'['.repeat(500)}"\\{` }),
    });
    expect(text.status).toBe(200);

    const bomb = `[${nested(500_000)}]`; // 1 MB: hundreds of ms of JSON.parse when parsed
    const started = performance.now();
    const res = await raw(served.port, 'POST', '/v1/deep', { headers: json, body: bomb });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ details: { reason: 'JSON_TOO_DEEP' } });
    // Refused at the 65th byte: no parse of the megabyte. (Generous bound: the machine is shared.)
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses a JSON body that is not valid UTF-8 instead of replacing bytes with U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"A'), Buffer.from([0xff, 0xfe]), Buffer.from('da"}')]);
    const res = await raw(served.port, 'POST', '/v1/echo', { headers: json, body });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(String(res.json().detail)).toContain('UTF-8');
    // Valid multi-byte UTF-8 split across chunks still passes.
    const fine = await raw(served.port, 'POST', '/v1/echo', { headers: json, body: '{"name":"Zoë 日本"}' });
    expect(fine.json()).toEqual({ name: 'Zoë 日本' });
  });

  it('answers an HTTP/1.1 request without Host with a 400 problem, not a bare 400', async () => {
    const socket = await socketTo(served.port);
    const answer = readAll(socket);
    socket.write('GET /v1/hello HTTP/1.1\r\n\r\n');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1.1 400 /);
    expect(text.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
    expect(text).toContain('"code":"INVALID_ARGUMENT"');
    expect(text).toContain('Host');
    // HTTP/1.0 has no Host requirement.
    const old = await socketTo(served.port);
    const oldAnswer = readAll(old);
    old.write('GET /v1/hello HTTP/1.0\r\n\r\n');
    expect(await oldAnswer).toMatch(/^HTTP\/1.1 200 /);
  });

  it('answers HEAD on a GET route like GET, without the body', async () => {
    const get = await raw(served.port, 'GET', '/v1/hello');
    const head = await raw(served.port, 'HEAD', '/v1/hello');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    // On a stream: the status and headers of the first message, and the handler's stream stopped.
    ticksEnded.length = 0;
    const stream = await raw(served.port, 'HEAD', '/v1/ticks');
    expect(stream.status).toBe(200);
    expect(stream.text).toBe('');
    expect(stream.headers['content-type']).toContain('application/x-ndjson');
    await expect.poll(() => ticksEnded).toEqual(['ticks']);
    // A POST route still answers HEAD with 405.
    expect((await raw(served.port, 'HEAD', '/v1/echo')).status).toBe(405);
  });

  it('runs pipelined requests one after another, in order, without piling up listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    running = 0;
    mostAtOnce = 0;
    const socket = await socketTo(served.port);
    const count = 60;
    const answers = responses(socket, count);
    let pipelined = '';
    for (let i = 0; i < count; i++) pipelined += `GET /v1/slow/${i} HTTP/1.1\r\nhost: x\r\n\r\n`;
    socket.write(pipelined);
    const got = await answers;
    socket.destroy();
    process.off('warning', onWarning);
    expect(got.map((r) => JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)).id)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(mostAtOnce).toBe(1);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
