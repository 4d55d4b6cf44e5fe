import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Transport } from '@wharf/core';
import type { WharfMetrics } from './metrics.js';

/** Answers a scrape: Prometheus text, or OpenMetrics when the `Accept` header asks for it. */
export function metricsHandler(metrics: WharfMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    metrics.expose(req.headers.accept).then(
      ({ contentType, body }) => {
        res.statusCode = 200;
        res.setHeader('content-type', contentType);
        res.setHeader('cache-control', 'no-store');
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Collecting the metrics failed\n');
      },
    );
  };
}

/** `/metrics` as a route for `httpTransport({ routes: [metricsRoute(metrics)] })`. */
export function metricsRoute(
  metrics: WharfMetrics,
  path = '/metrics',
): { readonly path: string; readonly handler: (req: IncomingMessage, res: ServerResponse) => void } {
  return { path, handler: metricsHandler(metrics) };
}

/** Options of the admin listener. */
export interface MetricsListenerOptions {
  /** Default 9464 (OpenTelemetry's Prometheus exporter port); `0` picks a free one. */
  readonly port?: number;
  /** Default `127.0.0.1`; `0.0.0.0` for a scraper on another host. */
  readonly host?: string;
  /** Default `/metrics`. */
  readonly path?: string;
}

/** The admin listener: a Transport that serves only `/metrics`, for apps that serve no HTTP. */
export interface MetricsListener extends Transport {
  /** The port it listens on, once the app has started. */
  readonly port: number | undefined;
}

/**
 * A small listener for `/metrics`, for a service that serves no HTTP (gRPC or AMQP only). It is a
 * Transport only to share the app's lifecycle: `createApp` starts it with the others and stops
 * it last of the network ones; it registers no address and carries no calls.
 */
export function metricsListener(metrics: WharfMetrics, options: MetricsListenerOptions = {}): MetricsListener {
  const path = options.path ?? '/metrics';
  const handle = metricsHandler(metrics);
  let server: Server | undefined;
  let port: number | undefined;
  return {
    name: 'metrics',
    get port() {
      return port;
    },
    async listen() {
      const listening = createServer((req, res) => {
        const url = req.url?.split('?', 1)[0];
        if (url === path && (req.method === 'GET' || req.method === 'HEAD')) return handle(req, res);
        res.statusCode = url === path ? 405 : 404;
        res.end();
      });
      listening.on('clientError', (_error, socket) => socket.destroy());
      const bind = options.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        listening.once('error', (error) =>
          reject(new Error(`The metrics listener cannot listen on ${bind}:${options.port ?? 9464}: ${error.message}`)),
        );
        listening.listen(options.port ?? 9464, bind, () => resolve());
      });
      server = listening;
      const address = listening.address();
      port = typeof address === 'object' && address !== null ? address.port : undefined;
      return []; // nothing to register: it serves no endpoints
    },
    async close() {
      const closing = server;
      server = undefined;
      if (closing === undefined) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
}
