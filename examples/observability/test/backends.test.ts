// The example against the real backends: front, orders and mailer as processes (HTTP → gRPC →
// AMQP), scraped by the real Prometheus and traced into the real Jaeger over OTLP. Every PromQL
// expression of the committed dashboard and alert rules runs against what they scraped and must
// return data; the trace comes back whole from Jaeger's API; promtool accepts every /metrics.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type App, createApp, defineContract, implement, memoryRegistry } from '@wharf/core';
import { front } from '@wharf/example-observability';
import { type Observability, observability, watchBreakers } from '@wharf/observability';
import { requireService } from '@wharf/real-parts';
import { type Breakers, breakers } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { jaegerTrace, PrometheusFiles, promQuery } from './backends.js';
import { type ServiceProcess, startExample } from './processes.js';
import { BROKER_URL, deleteExampleTopology, eventually, freshNamespace } from './support.js';

const needs = 'the observability end-to-end test against Prometheus and Jaeger';
const available =
  (await requireService('rabbitmq', needs)) &&
  (await requireService('prometheus', needs)) &&
  (await requireService('jaeger', needs));

const packageDir = dirname(createRequire(import.meta.url).resolve('@wharf/observability/package.json'));
const OTLP = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://127.0.0.1:4318';

/** Every `expr` in the dashboard, with Grafana's variables set to this run. */
async function dashboardExpressions(jobs: string): Promise<{ title: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(join(packageDir, 'dashboards/wharf-services.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      title: panel.title,
      expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', jobs).replaceAll('$service', '.+'),
    })),
  );
}

/** Every alert's `expr` in the rules file: one line, or a `|` block indented below the key. */
function alertExpressions(rules: string): { alert: string; expr: string }[] {
  const lines = rules.split('\n');
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const out: { alert: string; expr: string }[] = [];
  let alert: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    alert = /^\s*- alert: (\S+)/.exec(line)?.[1] ?? alert;
    const expr = /^(\s*)expr: (.*)$/.exec(line);
    if (expr === null || alert === undefined) continue;
    if (expr[2] !== '|') {
      out.push({ alert, expr: expr[2] as string });
      continue;
    }
    const body: string[] = [];
    while (i + 1 < lines.length && indentOf(lines[i + 1] as string) > (expr[1] as string).length)
      body.push((lines[++i] as string).trim());
    out.push({ alert, expr: body.join(' ') });
  }
  return out;
}

const probeContract = defineContract({
  name: 'probe',
  version: '1.0.0',
  methods: { ping: { input: z.object({}), output: z.object({}) } },
});

describe.skipIf(!available)('the example, scraped by Prometheus and traced into Jaeger', () => {
  const files = new PrometheusFiles();
  const namespace = freshNamespace('backends');
  const services: ServiceProcess[] = [];
  const job = (role: string) => `${role}-${files.run}`;
  const jobs = `(front|orders|mailer|probe)-${files.run}`;
  let frontUrl = '';
  let probe: App;
  let probeObs: Observability;
  let breaker: Breakers;
  const traceId = `${files.run}${'0'.repeat(20)}a1b2c3`; // 32 hex digits, unique to the run
  let okOrders = 0;

  beforeAll(async () => {
    const env = {
      AMQP_URL: BROKER_URL,
      AMQP_NAMESPACE: namespace,
      OTLP_ENDPOINT: OTLP,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    const started = await startExample(env);
    services.push(...started.services);
    frontUrl = started.frontUrl;

    // A caller in this process: client-side metrics, and a real circuit breaker (@wharf/registry)
    // on its calls to front, whose state changes feed the breaker metrics.
    probeObs = observability({ logs: false });
    const listener = probeObs.metricsListener({ port: 0 });
    breaker = breakers({ volumeThreshold: 5, resetTimeoutMs: 120_000 });
    watchBreakers(breaker.events, probeObs.resilience);
    probe = createApp({
      ...probeObs.app,
      middleware: { ...probeObs.app.middleware, client: ({ resolve }) => [probeObs.middleware, resolve, breaker] },
      name: 'probe',
      logger: { level: 'silent' },
      shutdown: { signals: false },
      services: [implement(probeContract, { ping: () => ({}) })],
      transports: [httpTransport({ port: 0 }), listener],
      registry: memoryRegistry([{ id: 'front-0', service: 'front', version: '1.0.0', address: frontUrl }]),
    });
    await probe.start();

    await files.targets({
      [job('front')]: services[2]?.metrics as string,
      [job('orders')]: services[1]?.metrics as string,
      [job('mailer')]: services[0]?.metrics as string,
      [job('probe')]: `127.0.0.1:${listener.port}`,
    });
    await files.rules(await readFile(join(packageDir, 'alerts/wharf.rules.yml'), 'utf8'));
    // Scraped: every target up.
    await eventually(
      async () => {
        const up = await promQuery(`up{job=~"${jobs}"} == 1`);
        return up.length === 4 ? up : undefined;
      },
      20_000,
      'Prometheus to scrape the four targets',
    );
  }, 90_000);

  afterAll(async () => {
    await probe?.stop();
    breaker?.close();
    for (const service of services.reverse()) await service.stop();
    await files.remove();
    await deleteExampleTopology(namespace);
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${frontUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('sees the traffic on all three transports, and every dashboard and alert expression returns data', async () => {
    const client = probe.client(front);
    const slow: Promise<unknown>[] = [];
    // Front failing with UNAVAILABLE (transient) opens the probe's breaker for front.fail.
    for (let i = 0; i < 8; i++) await client.fail({ code: 'UNAVAILABLE' }).catch(() => {});
    expect([...breaker.states().values()]).toContain('open');
    // A bounded load: 240 rounds, ~12 s, so every rate() has many scrapes to work with.
    for (let i = 0; i < 240; i++) {
      const rounds: Promise<unknown>[] = [];
      rounds.push(post('/v1/orders', { item: 'book', qty: 1 }).then((r) => r.ok && okOrders++));
      if (i % 4 === 0) rounds.push(client.order({ item: 'pen', qty: 2 }).then(() => okOrders++));
      if (i % 6 === 0) rounds.push(post('/v1/orders', { item: 'boom', qty: 1 }));
      if (i % 5 === 0) rounds.push(post('/v1/fail', { code: ['INTERNAL', 'UNAVAILABLE', 'NOT_FOUND'][i % 3] }));
      if (i % 3 === 0) slow.push(post('/v1/slow', { ms: 300 }));
      if (i % 10 === 0) rounds.push(fetch(`${frontUrl}/nowhere/${i}`));
      if (i === 60 || i === 120) rounds.push(post('/v1/orders', { item: 'poison', qty: 1 }).then((r) => r.ok && okOrders++));
      if (i === 100) {
        const traced = await post('/v1/orders', { item: 'traced', qty: 1 }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
        if (traced.ok) okOrders++;
      }
      // Stand-ins: @wharf/registry's retry and the gateway's rate limit have no event to watch yet.
      probeObs.resilience.retried({ service: 'front', method: 'order' });
      if (i % 2 === 0) probeObs.resilience.bulkheadRejected({ service: 'front', method: 'order' });
      if (i % 3 === 0) probeObs.resilience.rateLimited({ service: 'front', method: 'order' });
      await Promise.all(rounds);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(slow);

    // The request counts this test caused, as Prometheus scraped them.
    const counted = await eventually(
      async () => {
        const [series] = await promQuery(`sum(wharf_server_requests_total{job="${job('front')}", method="order", code="OK"})`);
        return Number(series?.value[1]) === okOrders ? Number(series?.value[1]) : undefined;
      },
      20_000,
      `front's OK orders to reach ${okOrders} in Prometheus`,
    );
    expect(counted).toBe(okOrders);
    const grpc = await eventually(
      async () => {
        const [series] = await promQuery(`sum(wharf_server_requests_total{job="${job('orders')}", transport="grpc", code="OK"})`);
        return Number(series?.value[1]) === okOrders ? Number(series?.value[1]) : undefined;
      },
      20_000,
      `orders' gRPC requests to reach ${okOrders} in Prometheus`,
    );
    expect(grpc).toBe(okOrders);
    const consumed = await eventually(
      async () => {
        const [series] = await promQuery(`sum(wharf_events_consumed_total{job="${job('mailer')}", transport="amqp"})`);
        // Every order placed, plus two retries of each of the two poison orders.
        return Number(series?.value[1]) === okOrders + 4 ? Number(series?.value[1]) : undefined;
      },
      20_000,
      'the mailer deliveries in Prometheus',
    );
    expect(consumed).toBe(okOrders + 4);
    const deadLettered = await eventually(
      async () => {
        const [series] = await promQuery(`sum(wharf_events_dead_lettered_total{job="${job('mailer')}"})`);
        return Number(series?.value[1]) === 2 ? 2 : undefined;
      },
      20_000,
      'two dead letters in Prometheus',
    );
    expect(deadLettered).toBe(2);

    const empty: string[] = [];
    for (const { title, expr } of await dashboardExpressions(jobs)) {
      const result = await promQuery(expr);
      if (result.length === 0) empty.push(`${title}: ${expr}`);
    }
    expect(empty, 'dashboard queries that returned nothing').toEqual([]);

    const rules = await readFile(join(packageDir, 'alerts/wharf.rules.yml'), 'utf8');
    const alerts = alertExpressions(rules);
    expect(alerts.map((a) => a.alert)).toEqual([
      'WharfHighErrorRatio',
      'WharfLatencySLOBurn',
      'WharfDeadLetterQueueGrowing',
      'WharfBreakerOpen',
    ]);
    for (const { alert, expr } of alerts) {
      const result = await promQuery(expr);
      const ours = result.filter((s) => new RegExp(`^${jobs}$`).test(s.metric.job ?? ''));
      expect(ours.length, `${alert} returned no series of this run: ${expr}`).toBeGreaterThan(0);
    }
    // Prometheus loaded and evaluates the rules without error, and they are pending or firing.
    const loaded = await eventually(
      async () => {
        const body = (await (
          await fetch(new URL('/api/v1/rules', process.env.PROMETHEUS_URL || 'http://127.0.0.1:9090'))
        ).json()) as {
          data: { groups: { file: string; rules: { name: string; health: string; state: string; lastError?: string }[] }[] };
        };
        const group = body.data.groups.find((g) => g.file.includes(`observability-${files.run}`));
        return group?.rules.every((r) => r.state !== 'inactive') ? group : undefined;
      },
      15_000,
      'every alert to be pending or firing',
    );
    for (const rule of loaded.rules) expect([rule.name, rule.health, rule.lastError ?? '']).toEqual([rule.name, 'ok', '']);
  }, 120_000);

  it('serves a /metrics on every process that promtool accepts, after traffic on all three transports', async () => {
    const targets = [...services.map((s) => s.metrics)];
    for (const target of targets) {
      const body = await (await fetch(`http://${target}/metrics`)).text();
      expect(body).toMatch(/transport="(http|grpc|amqp)"/);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${target}: ${check.stdout}${check.stderr}`).toBe(`${target}: `);
      expect(check.status).toBe(0);
    }
  });

  it('shows the HTTP → gRPC → AMQP trace whole in Jaeger, and front logged its trace id', async () => {
    const trace = await eventually(() => jaegerTrace(traceId, 5), 20_000, `trace ${traceId} in Jaeger`);
    const one = (service: string, kind: string, name: string) => {
      const found = trace.spans.filter((s) => s.service === service && s.kind === kind && s.operationName === name);
      expect(found, `${service} ${kind} ${name}`).toHaveLength(1);
      return found[0] as (typeof trace.spans)[number];
    };
    const frontServer = one('front', 'server', 'front/order');
    const client = one('front', 'client', 'orders/place');
    const ordersServer = one('orders', 'server', 'orders/place');
    const producer = one('orders', 'producer', 'publish orders.placed');
    const consumer = one('mailer', 'consumer', 'process orders.placed');
    expect(trace.spans).toHaveLength(5);
    const parent = (span: (typeof trace.spans)[number]) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    expect(parent(frontServer)).toBe('00f067aa0ba902b7');
    expect(parent(client)).toBe(frontServer.spanID);
    expect(parent(ordersServer)).toBe(client.spanID);
    expect(parent(producer)).toBe(ordersServer.spanID);
    expect(parent(consumer)).toBe(producer.spanID);
    expect(client.tag('rpc.system')).toBe('grpc');
    expect(consumer.tag('messaging.system')).toBe('rabbitmq');

    const line = services[2]?.logLines().find((l) => l.message === 'order received' && l['trace.id'] === traceId);
    expect(line).toMatchObject({ 'span.id': frontServer.spanID, 'transaction.id': frontServer.spanID, 'service.name': 'front' });
  });
});
