// The HTTP servers the security bench compares, each started in its own process. Every one
// answers `POST /v1/echo/echo` with the JSON body it got ({ text }).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, defineContract, implement, MemoryNetwork, memoryRegistry, memoryTransport } from '@wharf/core';
import { createGateway } from '@wharf/gateway';
import { httpTransport } from '@wharf/transport-http';
import { ServiceBroker } from 'moleculer';
import ApiGateway from 'moleculer-web';
import { Pool } from 'undici';
import * as z from 'zod';
import type { RunningTarget } from '../lib/target-process.js';

export const TARGETS = ['node', 'moleculer-web', 'gateway-memory', 'backend', 'proxy', 'gateway-http'] as const;
export type TargetName = (typeof TARGETS)[number];

export const ECHO_PATH = '/v1/echo/echo';
const echo = defineContract({
  name: 'echo',
  version: 1,
  methods: { echo: { input: z.object({ text: z.string().max(64) }), output: z.object({ text: z.string() }), auth: 'public' } },
});
const echoService = () => implement(echo, { echo: ({ text }) => ({ text }) });
const quiet = { logger: { level: 'warn' as const }, requestLog: false as const, shutdown: { signals: false as const } };

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Bare node:http doing the same echo (the reference Moleculer-web was measured against). */
async function node(): Promise<RunningTarget> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { text } = JSON.parse(Buffer.concat(chunks).toString()) as { text: string };
      const out = JSON.stringify({ text });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    });
  });
  const port = await listen(server);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

/** Moleculer-web in front of an echo action in its own broker (same process, as Moleculer runs it). */
async function moleculerWeb(): Promise<RunningTarget> {
  const broker = new ServiceBroker({ logger: false, nodeID: 'bench' });
  broker.createService({
    name: 'echo',
    actions: {
      echo: {
        params: { text: { type: 'string', max: 64 } },
        handler: (ctx) => ({ text: (ctx.params as { text: string }).text }),
      },
    },
  });
  broker.createService({
    name: 'api',
    mixins: [ApiGateway],
    settings: {
      port: 0,
      ip: '127.0.0.1',
      routes: [
        { path: '/v1', aliases: { 'POST echo/echo': 'echo.echo' }, bodyParsers: { json: true }, mappingPolicy: 'restrict' },
      ],
    },
  });
  await broker.start();
  const api = broker.getLocalService('api') as unknown as { server: ReturnType<typeof createServer> };
  return { port: (api.server.address() as AddressInfo).port, close: () => broker.stop() };
}

/** The gateway with the echo service in the same process, reached over the in-memory transport. */
async function gatewayMemory(): Promise<RunningTarget> {
  const network = new MemoryNetwork();
  const registry = memoryRegistry();
  const service = createApp({
    name: 'echo',
    services: [echoService()],
    transports: [memoryTransport({ network })],
    registry,
    ...quiet,
  });
  await service.start();
  const gateway = createGateway({
    services: [echo],
    registry,
    transports: [memoryTransport({ network })],
    http: { port: 0 },
    docs: false,
    logger: { level: 'warn' },
  });
  await gateway.start();
  return {
    port: Number(new URL(gateway.url as string).port),
    close: async () => {
      await gateway.stop();
      await service.stop();
    },
  };
}

/** The echo service alone, served by Wharf's HTTP transport: the backend of the proxy rows. */
async function backend(): Promise<RunningTarget> {
  const transport = httpTransport({ port: 0, openapi: false, health: false });
  const app = createApp({ name: 'echo', services: [echoService()], transports: [transport], ...quiet });
  await app.start();
  return { port: transport.port as number, close: () => app.stop() };
}

function backendUrl(): string {
  const url = process.env.BACKEND_URL;
  if (url === undefined) throw new Error('BACKEND_URL is not set');
  return url;
}

/** A bare reverse proxy: node:http in, undici out, the same hop with no routing, no checks, no auth. */
async function proxy(): Promise<RunningTarget> {
  const pool = new Pool(backendUrl(), { connections: 128, pipelining: 1 });
  const server = createServer((req, res) => {
    pool
      .request({
        method: req.method as 'POST',
        path: req.url as string,
        headers: req.headers as Record<string, string>,
        body: req,
      })
      .then(
        ({ statusCode, headers, body }) => {
          res.writeHead(statusCode, headers as Record<string, string>);
          body.pipe(res);
        },
        () => res.writeHead(502).end(),
      );
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await pool.close();
    },
  };
}

/** The gateway in front of the backend in another process, over HTTP. */
async function gatewayHttp(): Promise<RunningTarget> {
  const registry = memoryRegistry([{ id: 'echo-1', service: 'echo', version: '1.0.0', address: backendUrl() }]);
  const gateway = createGateway({ services: [echo], registry, http: { port: 0 }, docs: false, logger: { level: 'warn' } });
  await gateway.start();
  return { port: Number(new URL(gateway.url as string).port), close: () => gateway.stop() };
}

/** Starts one of the targets on a free port. */
export function startTarget(name: TargetName): Promise<RunningTarget> {
  switch (name) {
    case 'node':
      return node();
    case 'moleculer-web':
      return moleculerWeb();
    case 'gateway-memory':
      return gatewayMemory();
    case 'backend':
      return backend();
    case 'proxy':
      return proxy();
    case 'gateway-http':
      return gatewayHttp();
  }
}
