// What the auth tests share: a real provider, a guarded service served over HTTP, gRPC and AMQP,
// and a caller app with every transport's client half.
import { randomBytes } from 'node:crypto';
import { type AuthGuardOptions, authGuard } from '@wharf/auth';
import { type App, createApp, defineContract, implement, type Logger, memoryRegistry, type Registry } from '@wharf/core';
import { type IdentityProvider, startIdentityProvider } from '@wharf/identity-provider';
import { serviceUrl } from '@wharf/real-parts';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import pino from 'pino';
import * as z from 'zod';

export const SHOP = 'urn:wharf:shop';
export const BILLING = 'urn:wharf:billing';
export const SECRETS = { orders: 'orders-secret-0123456789abcdef0123', payments: 'payments-secret-0123456789abcdef01' };
export const WEB = { id: 'web', redirectUri: 'http://127.0.0.1:9/callback' };

/** A provider for the shop (RS256 tokens) and billing (ES256 tokens), two services, a browser app, two users. */
export function provider(): Promise<IdentityProvider> {
  return startIdentityProvider({
    services: [
      { id: 'orders', secret: SECRETS.orders },
      { id: 'payments', secret: SECRETS.payments },
    ],
    browsers: [{ id: WEB.id, redirectUris: [WEB.redirectUri] }],
    resources: [
      { audience: SHOP, scopes: ['vault:read', 'vault:write', 'orders:read', 'payments:charge'] },
      { audience: BILLING, scopes: ['invoices:read'], alg: 'ES256' },
    ],
    users: { alice: { roles: ['admin'] }, bob: {} },
  });
}

/** A user's token from the provider (authorization code + PKCE). */
export function userToken(idp: IdentityProvider, user: string, scope: string): Promise<string> {
  return idp.userToken({ user, clientId: WEB.id, redirectUri: WEB.redirectUri, resource: SHOP, scope });
}

export const vault = defineContract({
  name: 'vault',
  version: 1,
  methods: {
    read: {
      input: z.object({ key: z.string() }),
      output: z.object({ value: z.string(), subject: z.string() }),
      auth: { scopes: ['vault:read'] },
    },
    admin: { input: z.object({}), output: z.object({ subject: z.string() }), auth: { roles: ['admin'] } },
    ping: { input: z.object({}), output: z.object({ auth: z.boolean() }), auth: 'public' },
  },
});

/** Counts handler runs, so a test can assert a refused call ran nothing. */
export const runs = { read: 0, admin: 0, ping: 0 };

export const vaultService = implement(vault, {
  read({ key }, ctx) {
    runs.read++;
    return { value: `v:${key}`, subject: ctx.auth?.subject ?? '' };
  },
  admin(_input, ctx) {
    runs.admin++;
    return { subject: ctx.auth?.subject ?? '' };
  },
  ping(_input, ctx) {
    runs.ping++;
    return { auth: ctx.auth !== undefined };
  },
});

/** A logger that keeps every line at warn or above, so a test can assert there was no server error. */
export function recordingLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        const { level, msg } = JSON.parse(line) as { level: number; msg: string };
        lines.push({ level, msg });
      },
    },
  );
  return { logger, lines };
}

export function guardFor(idp: IdentityProvider, extra: Partial<AuthGuardOptions> = {}): ReturnType<typeof authGuard> {
  return authGuard({ issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri, ...extra });
}

export interface Served {
  readonly app: App;
  /** One address per transport: http, grpc, amqp. */
  readonly address: Readonly<Record<'http' | 'grpc' | 'amqp', string>>;
  readonly namespace: string;
}

/** Serves `services` behind `guard` over HTTP, gRPC and AMQP (the event bus too). */
export async function serveAll(
  services: readonly object[],
  middleware: Parameters<typeof createApp>[0] extends infer O ? (O extends { middleware?: infer M } ? M : never) : never,
  options: { logger?: Logger; namespace?: string; registry?: Registry; name?: string } = {},
): Promise<Served> {
  const namespace = options.namespace ?? `wharf-test.auth.${randomBytes(4).toString('hex')}`;
  const app = createApp({
    name: options.name ?? 'secured',
    services,
    transports: [
      httpTransport({ port: 0 }),
      grpcTransport({ port: 0 }),
      amqpTransport({ url: serviceUrl('rabbitmq'), namespace, forwardAuthorizationInEvents: true, retry: { maxAttempts: 1 } }),
    ],
    registry: options.registry ?? memoryRegistry(),
    middleware,
    logger: options.logger ?? { level: process.env.LOG_LEVEL ?? 'silent' },
    shutdown: { signals: false, timeoutMs: 2_000 },
  });
  await app.start();
  const find = (scheme: string) => app.addresses.find((a) => a.startsWith(`${scheme}://`)) as string;
  return { app, address: { http: find('http'), grpc: find('grpc'), amqp: find('amqp') }, namespace };
}

/** An app with the client halves of every transport (AMQP on `namespace`), calling by address. */
export async function callerApp(namespace: string, extra: Partial<Parameters<typeof createApp>[0]> = {}): Promise<App> {
  const app = createApp({
    name: 'caller',
    transports: [
      httpTransport({ port: 0 }),
      grpcTransport({ port: 0 }),
      amqpTransport({ url: serviceUrl('rabbitmq'), namespace, forwardAuthorizationInEvents: true }),
    ],
    logger: { level: process.env.LOG_LEVEL ?? 'silent' },
    shutdown: { signals: false, timeoutMs: 2_000 },
    ...extra,
  });
  await app.start();
  return app;
}
