import { createServer, type Server } from 'node:http';
import type { App, Transport } from '@wharf/core';
import type { WharfMetrics } from '@wharf/observability';

/** The admin listener's handle: its port once started. */
export interface AdminListener extends Transport {
  readonly port: number | undefined;
}

/**
 * A small HTTP listener beside a service's gRPC and AMQP: `/health/live`, `/health/ready` (the
 * app's readiness, 503 while starting or draining — what Kubernetes probes) and `/metrics`. It
 * registers no address: callers never reach the service through it.
 */
export function adminListener(options: {
  readonly app: () => App;
  readonly metrics: WharfMetrics | undefined;
  readonly host: string;
  readonly port: number;
}): AdminListener {
  let server: Server | undefined;
  let port: number | undefined;
  return {
    name: 'admin',
    get port() {
      return port;
    },
    async listen() {
      const listening = createServer((req, res) => {
        const path = req.url?.split('?', 1)[0];
        if (path === '/health/live') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"live"}');
        } else if (path === '/health/ready') {
          const health = options.app().health();
          res.writeHead(health.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
        } else if (path === '/metrics' && options.metrics !== undefined) {
          options.metrics.expose(req.headers.accept).then(
            ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
            () => res.writeHead(500).end(),
          );
        } else {
          res.writeHead(404).end();
        }
      });
      listening.on('clientError', (_error, socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port, options.host, () => resolve());
      });
      server = listening;
      const address = listening.address();
      port = typeof address === 'object' && address !== null ? address.port : undefined;
      return [];
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
