import { createApp, type Transport } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { kafkaTransport } from '@wharf/transport-kafka';
import { Greeter } from './greeter.js';

// Each transport serves the same Greeter; the handler code does not know which one called it.
const transports: Transport[] = [];
// HTTP: REST routes, /openapi.json, Swagger UI at /docs. PORT defaults to 3000, HOST to 127.0.0.1.
transports.push(httpTransport({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' }));
// gRPC: protobuf from the schemas (greeter.v1.Greeter, see examples/greeter/proto), reflection and
// health. GRPC_PORT defaults to 50051, HOST to 127.0.0.1.
transports.push(grpcTransport({ port: Number(process.env.GRPC_PORT ?? 50051), host: process.env.HOST ?? '127.0.0.1' }));
// Kafka when KAFKA_BROKERS is set (e.g. 127.0.0.1:9092): the event bus — the first transport that can
// publish, so it goes before AMQP, which then carries RPCs only. KAFKA_NAMESPACE prefixes its topics.
if (process.env.KAFKA_BROKERS) {
  transports.push(kafkaTransport({ brokers: process.env.KAFKA_BROKERS, namespace: process.env.KAFKA_NAMESPACE }));
}
// AMQP when WHARF_AMQP_URL (or AMQP_URL) is set, e.g. amqp://guest:guest@127.0.0.1:5672: RPC over
// RabbitMQ and the event bus (confirmed publishes, retries, dead letters). WHARF_AMQP_NAMESPACE (or
// AMQP_NAMESPACE) prefixes its exchanges and queues.
const amqpUrl = process.env.WHARF_AMQP_URL ?? process.env.AMQP_URL;
if (amqpUrl) transports.push(amqpTransport({ url: amqpUrl, namespace: process.env.AMQP_NAMESPACE }));

const app = createApp({ name: 'greeter', services: [new Greeter()], transports });
await app.start();
app.logger.info({ addresses: app.addresses }, 'greeter is up; Ctrl-C drains and stops it');
