import type { Transport, TransportContext, TransportHost } from '@wharf/core/transport';
import { HttpClient } from './client.js';
import type { HttpTransportOptions } from './options.js';
import { HttpServer } from './server.js';

/** The HTTP transport: a server half (when the app listens) and a client half, as one `Transport`. */
export interface HttpTransport extends Transport {
  readonly name: 'http';
  /** The port the server listens on, once the app has started (useful with `port: 0`). */
  readonly port: number | undefined;
  /** The address registered for this server (`http://127.0.0.1:3000`), once listening. */
  readonly address: string | undefined;
}

/**
 * The HTTP transport: every RPC as a REST route (JSON, problem+json errors, NDJSON server
 * streams), OpenAPI 3.1 at `/openapi.json`, Swagger UI at `/docs`, health at `/health/*`, and a
 * pooled undici client for `http://` addresses. One per app; an app that only calls over HTTP
 * simply has no services to serve.
 */
export function httpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const server = new HttpServer(options);
  const client = new HttpClient(options.client);
  let address: string | undefined;
  let app: TransportHost | undefined;
  let attached: TransportContext | undefined;
  return {
    name: 'http',
    streams: ['unary', 'server'],
    get port() {
      return server.port;
    },
    get address() {
      return address;
    },
    attach(context) {
      attached = context;
    },
    async listen(host: TransportHost) {
      if (attached === undefined) throw new Error('The HTTP transport was not attached: pass it to createApp');
      app = host;
      address = await server.listen(host, attached);
      return [address];
    },
    call: (call) => client.call(call),
    async close(signal: AbortSignal) {
      // The server drains first; then the client stays open until no handler anywhere in the app
      // (on gRPC, AMQP, …) is still running, since those may call out over HTTP while draining.
      await server.close(signal);
      await app?.idle(signal);
      await client.close(signal);
    },
  };
}
