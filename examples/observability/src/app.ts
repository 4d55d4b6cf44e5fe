import { type App, createApp, memoryRegistry, type Registry, type Transport } from '@wharf/core';
import { type Observability, observability } from '@wharf/observability';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import type { DestinationStream } from 'pino';
import { frontService, mailerService, ordersService } from './services.js';

/** Which of the three services an app runs. */
export type Role = 'front' | 'orders' | 'mailer';

/** Where an app of the example listens and finds the others. */
export interface ExampleOptions {
  /** RabbitMQ, for the orders → mailer events (orders publishes, mailer consumes). */
  readonly amqpUrl: string;
  /** Prefix of the exchanges and queues, so runs never share them. */
  readonly namespace?: string;
  /** Shared by apps in one process; across processes, seeded with the others' addresses. */
  readonly registry?: Registry;
  /** Port of front's HTTP, orders' gRPC; 0 for a free one. */
  readonly port?: number;
  /** Port of the /metrics listener of orders and mailer (they serve no HTTP); 0 for a free one. */
  readonly metricsPort?: number;
  /** Node runtime metrics: once per process. */
  readonly runtimeMetrics?: boolean;
  /** Delay before the first retry of a failed event (default 200 ms, then ×2, 3 attempts in all). */
  readonly retryDelayMs?: number;
  readonly logLevel?: string;
  /** Where the ECS log lines go; default stdout. */
  readonly logDestination?: DestinationStream;
}

/** An app of the example and its observability. */
export interface ExampleApp {
  readonly app: App;
  readonly obs: Observability;
  /** Where Prometheus scrapes it: `127.0.0.1:<port>` and the path. */
  metricsTarget(): { address: string; path: string };
}

/**
 * One of the example's services as an app, observed: `front` over HTTP (with /metrics on it),
 * `orders` over gRPC publishing on AMQP, `mailer` consuming from AMQP; the last two expose /metrics
 * on a small admin listener.
 */
export function exampleApp(role: Role, options: ExampleOptions): ExampleApp {
  const obs = observability({
    metrics: { runtime: options.runtimeMetrics ?? true },
    logs: { serviceVersion: '1.0.0', level: options.logLevel, destination: options.logDestination },
  });
  const amqp = () =>
    amqpTransport({
      url: options.amqpUrl,
      namespace: options.namespace,
      retry: { maxAttempts: 3, initialDelayMs: options.retryDelayMs ?? 200, factor: 2 },
    });
  const transports: Transport[] = [];
  let target: () => { address: string; path: string };
  if (role === 'front') {
    const http = httpTransport({ port: options.port ?? 0, routes: obs.routes });
    // gRPC as well, for its client half: front calls orders over gRPC (and is served over it too).
    transports.push(http, grpcTransport({ port: 0 }));
    target = () => ({ address: `127.0.0.1:${http.port}`, path: '/metrics' });
  } else {
    transports.push(role === 'orders' ? grpcTransport({ port: options.port ?? 0 }) : amqp());
    if (role === 'orders') transports.push(amqp());
    const listener = obs.metricsListener({ port: options.metricsPort ?? 0 });
    transports.push(listener);
    target = () => ({ address: `127.0.0.1:${listener.port}`, path: '/metrics' });
  }
  const services = { front: frontService, orders: ordersService, mailer: mailerService }[role];
  const app = createApp({
    ...obs.app,
    name: role,
    services: [services],
    transports,
    registry: options.registry ?? memoryRegistry(),
    shutdown: { signals: false, timeoutMs: 3_000 },
  });
  return { app, obs, metricsTarget: () => target() };
}
