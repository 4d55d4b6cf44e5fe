// Must show 1: one test per attack, over HTTP, gRPC and AMQP. Every one is refused with
// UNAUTHENTICATED (or, for a 1 MB token, by the carrier before the app), the handler never runs,
// and the server logs no error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type App, WharfError } from '@wharf/core';
import type { IdentityProvider } from '@wharf/identity-provider';
import { deleteAmqpNamespace, requireService } from '@wharf/real-parts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BILLING,
  callerApp,
  guardFor,
  provider,
  recordingLogger,
  runs,
  SECRETS,
  type Served,
  serveAll,
  vault,
  vaultService,
} from './fixtures.js';
import { ATTACKS, type Attack, attacks } from './forge.js';

const available = await requireService('rabbitmq', 'the auth negative battery over AMQP');

let idp: IdentityProvider;
let served: Served;
let caller: App;
let battery: Attack[];
let elsewhere: Server;
let elsewhereHits = 0;
const { logger, lines } = recordingLogger();

beforeAll(async () => {
  idp = await provider();
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const another = await idp.serviceToken('orders', SECRETS.orders, { resource: BILLING, scope: 'invoices:read' });
  battery = await attacks(idp, `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`, another);
  served = await serveAll([vaultService], { server: [guardFor(idp)] }, { logger });
  caller = await callerApp(served.namespace);
});

afterAll(async () => {
  await caller?.stop();
  await served?.app.stop();
  if (served) await deleteAmqpNamespace(served.namespace);
  await idp?.close();
  elsewhere?.close();
});

const CARRIER_REFUSAL = { http: 'RESOURCE_EXHAUSTED', grpc: 'INTERNAL', amqp: 'INVALID_ARGUMENT' } as const;

/** What a transport answered: the canonical code (and the HTTP status and challenge for HTTP). */
async function attempt(transport: 'http' | 'grpc' | 'amqp', authorization: string) {
  if (transport === 'http') {
    // A plain fetch, as any HTTP client would call.
    const response = await fetch(`${served.address.http}/v1/vault/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ key: 'k' }),
    }).catch((error: unknown) => ({ error }));
    if ('error' in response) return { code: 'CONNECTION', status: 0 };
    const body = (await response.json().catch(() => ({}))) as { code?: string };
    return {
      code: body.code ?? `HTTP ${response.status}`,
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
    };
  }
  const error = await caller
    .call(vault.methods.read, { key: 'k' }, { address: served.address[transport], metadata: { authorization }, timeoutMs: 5_000 })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { code: WharfError.is(error) ? error.code : String(error) };
}

describe.skipIf(!available).each(['http', 'grpc', 'amqp'] as const)('the negative battery over %s', (transport) => {
  it('a valid token from the provider passes (the battery is not refusing everything)', async () => {
    const token = await idp.serviceToken('orders', SECRETS.orders, { scope: 'vault:read' });
    const before = runs.read;
    if (transport === 'http') {
      const response = await fetch(`${served.address.http}/v1/vault/read`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{"key":"k"}',
      });
      expect(await response.json()).toEqual({ value: 'v:k', subject: 'orders' });
    } else {
      const out = await caller.call(
        vault.methods.read,
        { key: 'k' },
        { address: served.address[transport], metadata: { authorization: `Bearer ${token}` } },
      );
      expect(out).toEqual({ value: 'v:k', subject: 'orders' });
    }
    expect(runs.read).toBe(before + 1);
  });

  it('no token at all → UNAUTHENTICATED', async () => {
    const before = runs.read;
    const answer =
      transport === 'http'
        ? await fetch(`${served.address.http}/v1/vault/read`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"key":"k"}',
          }).then(async (r) => ({
            code: ((await r.json()) as { code: string }).code,
            status: r.status,
            challenge: r.headers.get('www-authenticate'),
          }))
        : await attempt(transport, '');
    expect(answer.code).toBe('UNAUTHENTICATED');
    if (transport === 'http') expect(answer).toMatchObject({ status: 401, challenge: 'Bearer realm="wharf"' });
    expect(runs.read).toBe(before);
  });

  it.each(ATTACKS.map((name, i) => [name, i] as const))('%s → UNAUTHENTICATED, the handler never runs', async (name, i) => {
    const attack = battery[i] as Attack;
    expect(attack.name).toBe(name);
    const before = runs.read;
    const answer = await attempt(transport, attack.authorization);
    if (name === 'a 1 MB token') {
      // No carrier takes a 1 MB header, so the guard never sees it: Node's HTTP parser answers 431
      // (headers over 16 KiB), HTTP/2 resets the gRPC stream (grpc-js reports INTERNAL on the
      // caller's side), and the AMQP client cannot encode a header table over 64 KiB. The guard's
      // own limit (8 KiB) is the attack before this one, refused as UNAUTHENTICATED everywhere.
      expect(answer.code).toBe(CARRIER_REFUSAL[transport]);
    } else {
      expect(answer.code).toBe('UNAUTHENTICATED');
      if (transport === 'http') {
        expect(answer.status).toBe(401);
        expect(answer.challenge).toBe('Bearer realm="wharf", error="invalid_token"');
      }
    }
    expect(runs.read, 'the handler ran').toBe(before);
  });

  it('no server error was logged, and nothing fetched the attacker’s jku/x5u', () => {
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(elsewhereHits).toBe(0);
  });
});

describe.skipIf(!available)('a plain grpc-js client (not ours) over gRPC', () => {
  // vault.v1.Vault/Read with { key: 'k' } as protobuf: field 1, length 1, "k".
  const call = (authorization: string | undefined) =>
    new Promise<{ status: number; reply?: Buffer }>((resolve) => {
      const client = new Client(served.address.grpc.slice('grpc://'.length), credentials.createInsecure());
      const metadata = new Metadata();
      if (authorization !== undefined) metadata.set('authorization', authorization);
      const bytes = (b: Buffer) => b;
      client.makeUnaryRequest('/vault.v1.Vault/Read', bytes, bytes, Buffer.from([0x0a, 0x01, 0x6b]), metadata, (error, reply) => {
        client.close();
        resolve({ status: (error as ServiceError | null)?.code ?? 0, reply: reply as Buffer | undefined });
      });
    });

  it('a provider token in `authorization` metadata passes; none, or a forged one, is status 16 UNAUTHENTICATED', async () => {
    const token = await idp.serviceToken('orders', SECRETS.orders, { scope: 'vault:read' });
    const ok = await call(`Bearer ${token}`);
    expect(ok.status).toBe(0);
    expect(ok.reply?.toString()).toContain('orders');
    const before = runs.read;
    expect((await call(undefined)).status).toBe(16);
    expect((await call((battery[0] as Attack).authorization)).status).toBe(16);
    expect(runs.read).toBe(before);
  });
});
