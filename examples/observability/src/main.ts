// One service of the example per process: ROLE=front|orders|mailer node dist/main.js.
//   PORT            front's HTTP or orders' gRPC port (default 0: a free one)
//   METRICS_PORT    /metrics of orders and mailer (default 0)
//   ORDERS_URL      where front finds orders, e.g. grpc://127.0.0.1:50051
//   AMQP_URL        RabbitMQ (default amqp://guest:guest@127.0.0.1:5672); AMQP_NAMESPACE prefixes its names
//   OTLP_ENDPOINT   where spans go (default http://127.0.0.1:4318); AUTO_INSTRUMENT=1 also enables
//                   OpenTelemetry's http, grpc-js and amqplib instrumentations
import { register } from 'node:module';
import { memoryRegistry } from '@wharf/core';
import { startTracing } from '@wharf/observability/otel';
import type { Role } from './app.js';

const role = (process.env.ROLE ?? 'front') as Role;
// Instrumentations patch ES modules only through OpenTelemetry's loader hook, registered before
// the modules they patch are imported (the app's, below).
if (process.env.AUTO_INSTRUMENT === '1') register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const instrumentations = process.env.AUTO_INSTRUMENT === '1' ? await autoInstrumentations() : [];
// Before the app's modules load, so instrumentations can patch what they import.
const tracing = startTracing({
  serviceName: role,
  otlpEndpoint: process.env.OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
  instrumentations,
});
const { exampleApp } = await import('./app.js');

const registry = memoryRegistry(
  process.env.ORDERS_URL ? [{ id: 'orders-0', service: 'orders', version: '1.0.0', address: process.env.ORDERS_URL }] : [],
);
const { app, metricsTarget } = exampleApp(role, {
  amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  namespace: process.env.AMQP_NAMESPACE,
  registry,
  port: Number(process.env.PORT ?? 0),
  metricsPort: Number(process.env.METRICS_PORT ?? 0),
});
await app.start();
app.logger.info({ addresses: app.addresses, metrics: metricsTarget() }, `${role} is up`);

process.once('SIGTERM', async () => {
  await app.stop();
  await tracing.shutdown(); // the last spans
  process.exit(0);
});

/** The three instrumentations a user is most likely to turn on beside Wharf's own spans (dev dependencies). */
async function autoInstrumentations() {
  const [{ HttpInstrumentation }, { GrpcInstrumentation }, { AmqplibInstrumentation }] = await Promise.all([
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-grpc'),
    import('@opentelemetry/instrumentation-amqplib'),
  ]);
  return [new HttpInstrumentation(), new GrpcInstrumentation(), new AmqplibInstrumentation()];
}
