// Shared set-up for the HTTP transport tests: real servers on 127.0.0.1, free ports.
import { request as rawRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type App, type AppOptions, createApp, memoryRegistry, type RpcRef } from '@wharf/core';
import { type HttpTransport, type HttpTransportOptions, httpTransport } from '@wharf/transport-http';

/** A started app served over HTTP. */
export interface Served {
  readonly app: App;
  readonly transport: HttpTransport;
  /** `http://127.0.0.1:<port>` (with the prefix, if any). */
  readonly url: string;
  readonly port: number;
}

const quiet = { logger: { level: process.env.LOG_LEVEL ?? 'silent' }, shutdown: { signals: false as const } };

/** Starts an app serving `services` over HTTP on a free port. */
export async function serve(
  services: readonly object[],
  options: HttpTransportOptions = {},
  app: Partial<AppOptions> = {},
): Promise<Served> {
  const transport = httpTransport({ port: 0, ...options });
  const created = createApp({ name: 'http-test', services, transports: [transport], ...quiet, ...app });
  await created.start();
  return { app: created, transport, url: transport.address as string, port: transport.port as number };
}

/**
 * An app that calls `services` at `url` over HTTP only (its registry knows nothing else), as a
 * remote caller would.
 */
export async function caller(
  url: string,
  services: readonly { name: string; version: string }[],
  options: HttpTransportOptions = {},
): Promise<App> {
  const registry = memoryRegistry(
    services.map((s, i) => ({ id: `remote-${i}`, service: s.name, version: s.version, address: url })),
  );
  const app = createApp({ name: 'http-caller', transports: [httpTransport(options)], registry, ...quiet });
  await app.start();
  return app;
}

/** The versions a contract's methods carry, for `caller`. */
export function serviceOf(ref: RpcRef): { name: string; version: string } {
  return { name: ref.service, version: ref.version };
}

/** What a raw HTTP exchange returned. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One request with node:http (no keep-alive agent), for headers fetch would hide or refuse to send. */
export function raw(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = rawRequest({ host: '127.0.0.1', port, method, path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw TCP socket to the server, for requests no HTTP client would send. */
export function socketTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads from `socket` until it closes (or `ms` pass); resolves with everything received. */
export function readAll(socket: Socket, ms = 5_000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, ms);
    socket.on('data', (d: Buffer) => {
      got += d.toString('utf8');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

/** Waits until `check()` holds, polling every 5 ms, for at most `ms`; the caller asserts afterwards. */
export async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(5);
}
