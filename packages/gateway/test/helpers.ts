// What the gateway tests share: a provider, backends serving the catalog over HTTP and orders over
// gRPC (each behind the services' own guard), and tokens from the provider.
import { authGuard } from '@wharf/auth';
import { type App, type Context, createApp, implement, type Registry } from '@wharf/core';
import { type IdentityProvider, startIdentityProvider } from '@wharf/identity-provider';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { catalog, orders } from './fixtures/contracts.mjs';

export const SHOP = 'urn:wharf:shop';
export const SECRET = 'gateway-tests-secret-0123456789abcdef';

export function provider(browsers: { id: string; redirectUris: string[] }[] = []): Promise<IdentityProvider> {
  return startIdentityProvider({
    services: [{ id: 'tester', secret: SECRET }],
    browsers: [{ id: 'web', redirectUris: ['http://127.0.0.1:9/cb'] }, ...browsers],
    resources: [{ audience: SHOP, scopes: ['catalog:read', 'orders:write'] }],
    users: { alice: {} },
  });
}

export const quiet = { level: process.env.LOG_LEVEL ?? 'silent' };

export function token(idp: IdentityProvider, scope = 'catalog:read orders:write'): Promise<string> {
  return idp.serviceToken('tester', SECRET, { scope });
}

/** The catalog over HTTP and orders over gRPC, each checking tokens itself too, registered in `registry`. */
export async function backends(idp: IdentityProvider, registry: Registry): Promise<App[]> {
  const guard = () => authGuard({ issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri });
  const common = { registry, logger: quiet, shutdown: { signals: false as const, timeoutMs: 2_000 } };
  const apps = [
    createApp({
      ...common,
      name: 'catalog',
      services: [
        implement(catalog, {
          item: ({ id }: { id: string }, ctx: Context) => ({
            id,
            subject: ctx.auth?.subject ?? '',
            transport: ctx.transport,
            instance: 'catalog-1',
          }),
          slow: async ({ ms }: { ms: number }, ctx: Context) => {
            await new Promise((r) => setTimeout(r, ms)).catch(() => {});
            return { done: !ctx.signal.aborted };
          },
          ping: () => ({ pong: true }),
          note: () => ({ instance: 'catalog-1' }),
        } as never),
      ],
      transports: [httpTransport({ port: 0 })],
      middleware: { server: [guard()] },
    }),
    createApp({
      ...common,
      name: 'orders',
      services: [
        implement(orders, {
          place: ({ sku, qty }: { sku: string; qty: number }, ctx: Context) => ({
            sku,
            qty,
            subject: ctx.auth?.subject ?? '',
            transport: ctx.transport,
          }),
        } as never),
      ],
      transports: [grpcTransport({ port: 0 })],
      middleware: { server: [guard()] },
    }),
  ];
  for (const app of apps) await app.start();
  return apps;
}
