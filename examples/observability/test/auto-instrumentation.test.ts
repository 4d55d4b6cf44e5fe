// Wharf's spans beside OpenTelemetry's own http, grpc-js and amqplib instrumentations: each hop of
// the HTTP → gRPC → AMQP chain is traced once. The instrumentations' server and consumer spans are
// adopted (they carry the instrumentation's attributes and Wharf's), and the client and producer
// I/O they would trace runs suppressed under Wharf's span.
import { randomBytes } from 'node:crypto';
import { requireService } from '@wharf/real-parts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaegerTrace } from './backends.js';
import { type ServiceProcess, startExample } from './processes.js';
import { BROKER_URL, deleteExampleTopology, eventually, freshNamespace } from './support.js';

const needs = 'the auto-instrumentation test against Jaeger';
const available = (await requireService('rabbitmq', needs)) && (await requireService('jaeger', needs));
const OTLP = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://127.0.0.1:4318';

describe.skipIf(!available)('Wharf tracing with the http, grpc-js and amqplib instrumentations enabled', () => {
  const namespace = freshNamespace('auto');
  const services: ServiceProcess[] = [];
  let frontUrl = '';

  beforeAll(async () => {
    const env = {
      AMQP_URL: BROKER_URL,
      AMQP_NAMESPACE: namespace,
      OTLP_ENDPOINT: OTLP,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      AUTO_INSTRUMENT: '1',
    };
    const started = await startExample(env);
    services.push(...started.services);
    frontUrl = started.frontUrl;
  }, 90_000);

  afterAll(async () => {
    for (const service of services.reverse()) await service.stop();
    await deleteExampleTopology(namespace);
  });

  it('traces every hop once, in one trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${frontUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ item: 'lamp', qty: 1 }),
    });
    expect(response.status).toBe(200);
    const trace = await eventually(() => jaegerTrace(traceId, 5), 20_000, `trace ${traceId} in Jaeger`);
    // Give a double span (late, from another exporter batch) the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const final = (await jaegerTrace(traceId, 5)) ?? trace;
    const shape = final.spans.map((s) => `${s.service} ${s.kind} ${s.operationName}`).sort();
    expect(shape).toEqual([
      'front client orders/place',
      'front server front/order',
      'mailer consumer process orders.placed',
      'orders producer publish orders.placed',
      'orders server orders/place',
    ]);
    const byKind = (service: string, kind: string) => final.spans.find((s) => s.service === service && s.kind === kind);
    const parent = (span: (typeof final.spans)[number] | undefined) =>
      span?.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    expect(parent(byKind('front', 'server'))).toBe('00f067aa0ba902b7');
    expect(parent(byKind('front', 'client'))).toBe(byKind('front', 'server')?.spanID);
    expect(parent(byKind('orders', 'server'))).toBe(byKind('front', 'client')?.spanID);
    expect(parent(byKind('orders', 'producer'))).toBe(byKind('orders', 'server')?.spanID);
    expect(parent(byKind('mailer', 'consumer'))).toBe(byKind('orders', 'producer')?.spanID);

    // The instrumentations did run: the spans Wharf adopted carry their attributes beside Wharf's.
    const scopes = new Set(final.spans.map((s) => String(s.tag('otel.scope.name'))));
    expect(scopes).toContain('@opentelemetry/instrumentation-http');
    expect(scopes).toContain('@opentelemetry/instrumentation-grpc');
    expect(scopes).toContain('@opentelemetry/instrumentation-amqplib');
    expect(byKind('front', 'server')?.tag('wharf.code')).toBe('OK');
    expect(byKind('orders', 'server')?.tag('wharf.code')).toBe('OK');
    expect(byKind('mailer', 'consumer')?.tag('wharf.code')).toBe('OK');
  });
});
