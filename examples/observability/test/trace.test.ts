// One trace end to end, in one process with the in-memory exporter: an HTTP request to front →
// gRPC call to orders → orders.placed over RabbitMQ → mailer. Parent/child links, kinds and
// semantic-convention attributes of every span, and the trace ids on the handlers' log lines.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { memoryRegistry } from '@wharf/core';
import { type ExampleApp, exampleApp, mailed } from '@wharf/example-observability';
import { startTracing } from '@wharf/observability/otel';
import { requireService } from '@wharf/real-parts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_URL, captureLogs, deleteExampleTopology, eventually, freshNamespace } from './support.js';

const available = await requireService('rabbitmq', 'the end-to-end trace test');

describe.skipIf(!available)('one trace across HTTP, gRPC and AMQP (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const namespace = freshNamespace('trace');
  const logs = captureLogs();
  let apps: ExampleApp[] = [];
  let frontUrl = '';

  beforeAll(async () => {
    const registry = memoryRegistry();
    const common = { amqpUrl: BROKER_URL, namespace, registry, logDestination: logs.stream, runtimeMetrics: false };
    apps = [exampleApp('mailer', common), exampleApp('orders', common), exampleApp('front', common)];
    for (const { app } of apps) await app.start();
    frontUrl = (apps[2]?.app.addresses ?? []).find((a) => a.startsWith('http://')) ?? '';
  });

  afterAll(async () => {
    for (const { app } of [...apps].reverse()) await app.stop();
    await tracing.shutdown();
    await deleteExampleTopology(namespace);
  });

  const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('links every hop into one trace with the right parents, kinds and attributes', async () => {
    // The caller's own trace: the request arrives with a traceparent, and the whole chain continues it.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await fetch(`${frontUrl}/v1/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${callerSpan}-01`,
        baggage: 'tenant=acme',
      },
      body: JSON.stringify({ item: 'book', qty: 2 }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const { orderId } = (await response.json()) as { orderId: string };
    await eventually(() => (mailed.orders.includes(orderId) ? true : undefined), 15_000, 'the mailer');
    const spans = await eventually(() => {
      const found = spansOf(traceId);
      return found.some((s) => s.kind === SpanKind.CONSUMER) ? found : undefined;
    });

    const one = (name: string, kind: SpanKind) => {
      const matching = spans.filter((s) => s.name === name && s.kind === kind);
      expect(matching, `${name} (${SpanKind[kind]})`).toHaveLength(1);
      return matching[0] as ReadableSpan;
    };
    const frontServer = one('front/order', SpanKind.SERVER);
    const ordersClient = one('orders/place', SpanKind.CLIENT);
    const ordersServer = one('orders/place', SpanKind.SERVER);
    const producer = one('publish orders.placed', SpanKind.PRODUCER);
    const consumer = one('process orders.placed', SpanKind.CONSUMER);
    expect(spans).toHaveLength(5);

    expect(parentOf(frontServer)).toBe(callerSpan);
    expect(parentOf(ordersClient)).toBe(frontServer.spanContext().spanId);
    expect(parentOf(ordersServer)).toBe(ordersClient.spanContext().spanId);
    expect(parentOf(producer)).toBe(ordersServer.spanContext().spanId);
    expect(parentOf(consumer)).toBe(producer.spanContext().spanId);

    expect(frontServer.attributes).toMatchObject({
      'rpc.system': 'wharf',
      'rpc.service': 'front',
      'rpc.method': 'order',
      'http.request.method': 'POST',
      'http.route': '/v1/orders',
      'http.response.status_code': 200,
      'wharf.transport': 'http',
      'wharf.code': 'OK',
    });
    expect(ordersClient.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'orders',
      'rpc.method': 'place',
      'rpc.grpc.status_code': 0,
      'server.address': '127.0.0.1',
    });
    expect(ordersServer.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0 });
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'orders.placed',
      'messaging.operation.type': 'send',
    });
    expect(consumer.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'orders.placed',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'mailer',
      'wharf.event.attempt': 1,
    });
    expect(typeof ordersClient.attributes['wharf.deadline_ms']).toBe('number');

    // Every line a handler wrote carries the trace, its own span and its service's transaction.
    const line = (message: string) => logs.lines.find((l) => l.message === message && l['trace.id'] === traceId);
    expect(line('order received')).toMatchObject({
      'service.name': 'front',
      'span.id': frontServer.spanContext().spanId,
      'transaction.id': frontServer.spanContext().spanId,
      'wharf.method': 'order',
      'log.level': 'info',
    });
    expect(line('order placed')).toMatchObject({
      'service.name': 'orders',
      'transaction.id': ordersServer.spanContext().spanId,
    });
    expect(line('confirmation mailed')).toMatchObject({
      'service.name': 'mailer',
      'transaction.id': consumer.spanContext().spanId,
    });
    expect(line('order received')?.['wharf.request_id']).toEqual(expect.any(String));
    expect(line('order received')?.['service.node.name']).toBe(apps[2]?.app.instanceId);
  });

  it('records errors with their Wharf code, and each event retry as its own consumer span', async () => {
    exporter.reset();
    const failed = mailed.failed;
    const response = await fetch(`${frontUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'poison', qty: 1 }),
    });
    expect(response.status).toBe(200);
    await eventually(() => (mailed.failed >= failed + 3 ? true : undefined), 15_000, 'three failed deliveries');
    const consumers = await eventually(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
      return found.length >= 3 ? found : undefined;
    });
    const producer = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER);
    expect(consumers.map((s) => s.attributes['wharf.event.attempt']).sort()).toEqual([1, 2, 3]);
    for (const span of consumers) {
      expect(parentOf(span)).toBe(producer?.spanContext().spanId);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('UNAVAILABLE');
    }

    const boom = await fetch(`${frontUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'boom', qty: 1 }),
    });
    expect(boom.status).toBe(500);
    const server = await eventually(() =>
      exporter
        .getFinishedSpans()
        .find((s) => s.name === 'orders/place' && s.kind === SpanKind.SERVER && s.status.code === SpanStatusCode.ERROR),
    );
    expect(server.attributes).toMatchObject({ 'wharf.code': 'INTERNAL', 'rpc.grpc.status_code': 13 });
    const client = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === parentOf(server));
    expect(client?.kind).toBe(SpanKind.CLIENT);
    expect(client?.status.code).toBe(SpanStatusCode.ERROR);
    // Not a server fault: a NOT_FOUND answer leaves the server span unset, and the caller's span an error.
    exporter.reset();
    const notFound = await fetch(`${frontUrl}/v1/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'NOT_FOUND' }),
    });
    expect(notFound.status).toBe(404);
    const fail = await eventually(() => exporter.getFinishedSpans().find((s) => s.name === 'front/fail'));
    expect(fail.status.code).toBe(SpanStatusCode.UNSET);
    expect(fail.attributes).toMatchObject({ 'wharf.code': 'NOT_FOUND', 'http.response.status_code': 404 });
  });
});
