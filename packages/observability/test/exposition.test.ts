// /metrics over HTTP: Prometheus text or OpenMetrics by Accept, accepted by promtool; labels that
// never grow with what callers send (10,000 unknown paths add no series); the admin listener.
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createApp, defineContract, implement } from '@wharf/core';
import { observability, type WharfMetrics } from '@wharf/observability';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { sample, seriesOf } from './samples.js';

const echo = defineContract({
  name: 'echo',
  version: '1.0.0',
  methods: {
    say: {
      http: { method: 'GET', path: '/say/:text' },
      input: z.object({ text: z.string().max(100) }),
      output: z.object({ text: z.string() }),
    },
  },
});

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** GETs `paths` over `concurrency` kept-alive connections; resolves with the status counts. */
async function getAll(port: number, paths: readonly string[], concurrency = 16): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++] as string;
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}

describe('/metrics on the HTTP transport', () => {
  const obs = observability({ logs: false, tracing: false });
  const metrics = obs.metrics as WharfMetrics;
  const http = httpTransport({ port: 0, routes: obs.routes });
  const app = createApp({
    ...obs.app,
    name: 'echo',
    logger: { level: 'silent' },
    shutdown: { signals: false },
    services: [implement(echo, { say: ({ text }) => ({ text }) })],
    transports: [http],
  });
  const scrape = async (accept?: string) => {
    const response = await fetch(`http://127.0.0.1:${http.port}/metrics`, { headers: accept ? { accept } : {} });
    return { type: response.headers.get('content-type') ?? '', body: await response.text() };
  };

  beforeAll(() => app.start());
  afterAll(() => app.stop());

  it('answers Prometheus text by default and OpenMetrics when Accept asks for it', async () => {
    await fetch(`http://127.0.0.1:${http.port}/v1/say/hello`);
    const text = await scrape();
    expect(text.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('# TYPE wharf_server_requests_total counter');
    expect(sample(text.body, 'wharf_server_requests_total', { method: 'say', code: 'OK', transport: 'http' })).toBe(1);

    // What Prometheus 2.x sends.
    const accept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await scrape(accept);
    expect(om.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toContain('# TYPE wharf_server_requests counter');
    expect(sample(om.body, 'wharf_server_requests_total', { method: 'say', code: 'OK' })).toBe(1);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    // The text format is unharmed by an OpenMetrics scrape (prom-client renames counters in place).
    expect((await scrape()).body).toContain('# TYPE wharf_server_requests_total counter');
    expect((await scrape('application/openmetrics-text;q=0,text/plain')).type).toContain('text/plain');
  });

  it.skipIf(!hasPromtool && process.env.CI !== 'true')('is accepted by promtool check metrics', async () => {
    await fetch(`http://127.0.0.1:${http.port}/v1/say/again`);
    await fetch(`http://127.0.0.1:${http.port}/nowhere`);
    const { body } = await scrape();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('adds no series for 10,000 unknown paths, and counts them under one', async () => {
    await getAll(http.port as number, ['/v1/say/warm-up', '/warm-up/unknown']);
    const before = seriesOf((await scrape()).body);
    const beforeCount = metrics.seriesCount();
    const refused = sample((await scrape()).body, 'wharf_transport_refused_total', { transport: 'http', code: 'NOT_FOUND' });
    const paths = Array.from({ length: 10_000 }, (_, i) => `/v${i % 7}/x${i}/${(i * 7919).toString(36)}?id=${i}`);
    const statuses = await getAll(http.port as number, paths);
    expect(statuses.get(404)).toBe(10_000);
    // Known routes with 1,000 different parameter values: still one series per code.
    const known = await getAll(
      http.port as number,
      Array.from({ length: 1_000 }, (_, i) => `/v1/say/user-${i}`),
    );
    expect(known.get(200)).toBe(1_000);

    const after = (await scrape()).body;
    expect(metrics.seriesCount()).toBe(beforeCount);
    const wharfSeries = (s: string[]) => s.filter((line) => line.startsWith('wharf_'));
    expect(wharfSeries(seriesOf(after))).toEqual(wharfSeries(before));
    expect(sample(after, 'wharf_transport_refused_total', { transport: 'http', code: 'NOT_FOUND' })).toBe(
      (refused ?? 0) + 10_000,
    );
    expect(after).not.toMatch(/x9999|user-999/);
  });
});

describe('the admin listener', () => {
  it('serves /metrics for an app without HTTP, started and stopped with it', async () => {
    const obs = observability({ metrics: { runtime: false }, logs: false, tracing: false });
    const listener = obs.metricsListener({ port: 0 });
    const app = createApp({
      ...obs.app,
      name: 'quiet',
      logger: { level: 'silent' },
      shutdown: { signals: false },
      services: [implement(echo, { say: ({ text }) => ({ text }) })],
      transports: [listener],
    });
    await app.start();
    expect(app.addresses.filter((a) => a.startsWith('metrics'))).toEqual([]);
    await app.client(echo).say({ text: 'x' });
    const response = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
    expect(response.status).toBe(200);
    expect(sample(await response.text(), 'wharf_server_requests_total', { method: 'say', transport: 'memory' })).toBe(1);
    expect((await fetch(`http://127.0.0.1:${listener.port}/other`)).status).toBe(404);
    const port = listener.port;
    await app.stop();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
