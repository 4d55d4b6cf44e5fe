// Routes served beside the RPCs (how /metrics is mounted), and refusals reported to the app's
// transport observers.
import { defineContract, type ErrorCode, implement } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { raw, type Served, serve } from './helpers.js';

const echo = defineContract({
  name: 'echo',
  version: 1,
  methods: { say: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) } },
});

describe('extra routes and refusals', () => {
  const refused: string[] = [];
  let served: Served;

  beforeAll(async () => {
    served = await serve(
      [implement(echo, { say: ({ text }) => ({ text }) })],
      {
        prefix: '/api',
        routes: [
          {
            path: '/metrics',
            handler: (_req, res) => {
              res.setHeader('content-type', 'text/plain');
              res.end('up 1\n');
            },
          },
          { method: 'POST', path: '/admin/flush', handler: (_req, res) => res.writeHead(204).end() },
        ],
      },
      { observers: [{ requestRefused: (transport: string, code: ErrorCode) => refused.push(`${transport} ${code}`) }] },
    );
  });
  afterAll(() => served.app.stop());

  it('serves them under the prefix, GET also answering HEAD', async () => {
    const get = await raw(served.port, 'GET', '/api/metrics');
    expect([get.status, get.text]).toEqual([200, 'up 1\n']);
    expect((await raw(served.port, 'HEAD', '/api/metrics')).status).toBe(200);
    expect((await raw(served.port, 'POST', '/api/admin/flush')).status).toBe(204);
  });

  it('reports requests refused before dispatch, by code', async () => {
    refused.length = 0;
    expect((await raw(served.port, 'GET', '/api/nowhere/42')).status).toBe(404);
    expect((await raw(served.port, 'DELETE', '/api/metrics')).status).toBe(405);
    const notJson = await raw(served.port, 'POST', '/api/v1/echo/say', {
      headers: { 'content-type': 'application/json' },
      body: '{"text":',
    });
    expect(notJson.status).toBe(400);
    expect(refused).toEqual(['http NOT_FOUND', 'http UNIMPLEMENTED', 'http INVALID_ARGUMENT']);
  });

  it('keeps answering them while draining, when RPCs are refused', async () => {
    const other = await serve(
      [implement(echo, { say: ({ text }) => ({ text }) })],
      { routes: [{ path: '/metrics', handler: (_req, res) => res.end('last\n') }] },
      { shutdown: { signals: false, drainDelayMs: 400 } },
    );
    const stopping = other.app.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(other.app.state).toBe('draining');
    const rpc = await raw(other.port, 'POST', '/v1/echo/say', {
      headers: { 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    expect(rpc.status).toBe(503);
    const metrics = await raw(other.port, 'GET', '/metrics');
    expect([metrics.status, metrics.text]).toEqual([200, 'last\n']);
    await stopping;
  });
});
