// Shared test helpers: an app serving over gRPC on a free port, and a raw grpc-js client.
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type App, type AppOptions, createApp, type Transport } from '@wharf/core';
import { type GrpcTransportOptions, grpcTransport } from '@wharf/transport-grpc';

export const logger = { level: process.env.LOG_LEVEL ?? 'silent' };

/** A started app serving `services` over gRPC (port 0), and its gRPC address and target. */
export async function serve(
  services: readonly object[],
  options: GrpcTransportOptions = {},
  app: Partial<AppOptions> = {},
): Promise<{ app: App; address: string; target: string; transport: Transport }> {
  const transport = grpcTransport(options);
  const started = createApp({ name: 'server', services, transports: [transport], logger, shutdown: { signals: false }, ...app });
  await started.start();
  const address = started.addresses.find((a) => a.startsWith('grpc://')) as string;
  return { app: started, address, target: address.slice('grpc://'.length), transport };
}

/** An app with only a gRPC client half, for calling `address`es. */
export async function caller(options: GrpcTransportOptions = {}, app: Partial<AppOptions> = {}): Promise<App> {
  const started = createApp({
    name: 'caller',
    transports: [grpcTransport(options)],
    logger,
    shutdown: { signals: false },
    ...app,
  });
  await started.start();
  return started;
}

const passthrough = (b: Buffer) => b;

/** What a raw unary call got back. */
export interface RawReply {
  readonly reply?: Buffer;
  readonly error?: ServiceError;
  readonly headers?: Metadata;
  readonly trailers?: Metadata;
}

/** One unary call with a raw grpc-js client, bytes in and out, capturing initial and trailing metadata. */
export function rawUnary(
  client: Client,
  path: string,
  bytes: Buffer,
  metadata = new Metadata(),
  deadline?: number,
): Promise<RawReply> {
  return new Promise((resolve) => {
    let headers: Metadata | undefined;
    let trailers: Metadata | undefined;
    let result: { reply?: Buffer; error?: ServiceError } | undefined;
    let done = 0;
    const finish = () => {
      if (++done === 2) resolve({ ...result, headers, trailers });
    };
    const call = client.makeUnaryRequest(
      path,
      passthrough,
      passthrough,
      bytes,
      metadata,
      { deadline: deadline ?? Infinity },
      (error, reply) => {
        result = error ? { error } : { reply: reply as Buffer };
        finish();
      },
    );
    call.on('metadata', (m) => {
      headers = m;
    });
    call.on('status', (s) => {
      trailers = s.metadata;
      finish();
    });
  });
}

export function rawClient(target: string, options: Record<string, number> = {}): Client {
  return new Client(target, credentials.createInsecure(), options);
}

/** A TCP proxy in front of `target` that can freeze (stop forwarding, keep sockets open) and counts connections. */
export async function proxy(
  target: string,
): Promise<{ address: string; connections: () => number; freeze(): void; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let frozen = false;
  let count = 0;
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((downstream) => {
    count++;
    const upstream = connect(port, host);
    sockets.add(downstream);
    sockets.add(upstream);
    downstream.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen) downstream.write(chunk);
    });
    const close = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('close', close);
    upstream.on('close', close);
    downstream.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    address: `grpc://127.0.0.1:${address.port}`,
    connections: () => count,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
