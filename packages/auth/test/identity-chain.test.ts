// Must show 2: scopes and roles; a user's token forwarded through two hops (HTTP → gRPC → AMQP)
// lets the last service see the user; a client-credentials call shows the calling service; an
// event carries the identity of whoever caused it.
import { randomBytes } from 'node:crypto';
import { clientCredentials } from '@wharf/auth';
import { type App, createApp, defineContract, implement, memoryRegistry, on, WharfError } from '@wharf/core';
import type { IdentityProvider } from '@wharf/identity-provider';
import { deleteAmqpNamespace, requireService, serviceUrl } from '@wharf/real-parts';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  callerApp,
  guardFor,
  provider,
  runs,
  SECRETS,
  type Served,
  serveAll,
  userToken,
  vault,
  vaultService,
} from './fixtures.js';

const available = await requireService('rabbitmq', 'identity carried over AMQP');

const Who = z.object({ subject: z.string(), clientId: z.string().optional(), transport: z.string() });
const back = defineContract({
  name: 'back',
  version: 1,
  methods: { whoami: { input: z.object({}), output: Who, auth: { scopes: ['orders:read'] } } },
});
const ledger = defineContract({
  name: 'ledger',
  version: 1,
  methods: { record: { input: z.object({}), output: Who, auth: { scopes: ['payments:charge'] } } },
});
const middle = defineContract({
  name: 'middle',
  version: 1,
  methods: { relay: { input: z.object({}), output: z.object({ middle: Who, back: Who, ledger: Who }), auth: 'authenticated' } },
});
const front = defineContract({
  name: 'front',
  version: 1,
  methods: {
    start: { input: z.object({}), output: z.object({ middle: Who, back: Who, ledger: Who }), auth: { scopes: ['orders:read'] } },
  },
  events: { started: { payload: z.object({ by: z.string() }) } },
});

const whoami = (ctx: { auth?: { subject: string; clientId: string | undefined }; transport: string }) => ({
  subject: ctx.auth?.subject ?? '',
  clientId: ctx.auth?.clientId,
  transport: ctx.transport,
});
const heard: { subject: string; by: string }[] = [];

let idp: IdentityProvider;
const apps: App[] = [];
let frontUrl = '';
let vaultServed: Served;
let caller: App;
const namespace = `wharf-test.chain.${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  idp = await provider();
  const registry = memoryRegistry();
  const amqp = () =>
    amqpTransport({ url: serviceUrl('rabbitmq'), namespace, forwardAuthorizationInEvents: true, retry: { maxAttempts: 1 } });
  const common = {
    registry,
    logger: { level: process.env.LOG_LEVEL ?? 'silent' },
    shutdown: { signals: false, timeoutMs: 2_000 },
  } as const;
  const guard = () => guardFor(idp);
  apps.push(
    createApp({
      ...common,
      name: 'back',
      services: [
        implement(back, { whoami: (_input, ctx) => whoami(ctx) }),
        implement(
          ledger,
          { record: (_input, ctx) => whoami(ctx) },
          {
            on: {
              onStarted: on(front.events.started.name, {
                input: front.events.started.payload,
                auth: { scopes: ['orders:read'] },
                handler: ({ by }, ctx) => {
                  heard.push({ subject: ctx.auth?.subject ?? '', by });
                },
              }),
            },
          },
        ),
      ],
      transports: [amqp()],
      middleware: { server: [guard()] },
    }),
    createApp({
      ...common,
      name: 'middle',
      services: [
        implement(middle, {
          relay: async (_input, ctx) => ({
            middle: whoami(ctx),
            back: await ctx.client(back).whoami({}),
            ledger: await ctx.client(ledger).record({}),
          }),
        }),
      ],
      // Calls on over AMQP: the first transport listed. The ledger is called as this service.
      transports: [amqp(), grpcTransport({ port: 0 })],
      middleware: {
        server: [guard()],
        client: [
          clientCredentials({
            tokenUrl: idp.tokenEndpoint,
            clientId: 'payments',
            clientSecret: SECRETS.payments,
            scope: 'payments:charge',
            services: ['ledger'],
          }),
        ],
      },
    }),
    createApp({
      ...common,
      name: 'front',
      services: [
        implement(front, {
          start: async (_input, ctx) => {
            const out = await ctx.client(middle).relay({});
            await ctx.emit(front.events.started, { by: 'front' });
            return out;
          },
        }),
      ],
      // Serves HTTP; calls on over gRPC (listed first); emits on AMQP.
      transports: [grpcTransport({ port: 0 }), httpTransport({ port: 0 }), amqp()],
      middleware: { server: [guard()] },
    }),
  );
  for (const app of apps) await app.start();
  frontUrl = (apps[2] as App).addresses.find((a) => a.startsWith('http://')) as string;
  vaultServed = await serveAll([vaultService], { server: [guardFor(idp)] });
  caller = await callerApp(vaultServed.namespace);
});

afterAll(async () => {
  await caller?.stop();
  await vaultServed?.app.stop();
  for (const app of apps.reverse()) await app.stop();
  await deleteAmqpNamespace(namespace);
  if (vaultServed) await deleteAmqpNamespace(vaultServed.namespace);
  await idp?.close();
});

describe.skipIf(!available)('authorization', () => {
  it.each(['http', 'grpc', 'amqp'] as const)('a valid token without the scope → PERMISSION_DENIED over %s', async (transport) => {
    const token = await userToken(idp, 'bob', 'orders:read'); // no vault:read
    const before = runs.read;
    if (transport === 'http') {
      const response = await fetch(`${vaultServed.address.http}/v1/vault/read`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{"key":"k"}',
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="wharf", error="insufficient_scope", scope="vault:read"',
      );
      expect(((await response.json()) as { code: string }).code).toBe('PERMISSION_DENIED');
    } else {
      const error = await caller
        .call(
          vault.methods.read,
          { key: 'k' },
          { address: vaultServed.address[transport], metadata: { authorization: `Bearer ${token}` } },
        )
        .catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('PERMISSION_DENIED');
    }
    expect(runs.read).toBe(before);
  });

  it('roles: an admin passes, another user is PERMISSION_DENIED; a public endpoint needs no token', async () => {
    const address = { address: vaultServed.address.grpc };
    const alice = await userToken(idp, 'alice', 'orders:read');
    const bob = await userToken(idp, 'bob', 'orders:read');
    expect(await caller.call(vault.methods.admin, {}, { ...address, metadata: { authorization: `Bearer ${alice}` } })).toEqual({
      subject: 'alice',
    });
    const denied = await caller
      .call(vault.methods.admin, {}, { ...address, metadata: { authorization: `Bearer ${bob}` } })
      .catch((e: unknown) => e);
    expect(WharfError.is(denied) && denied.code).toBe('PERMISSION_DENIED');
    expect(await caller.call(vault.methods.ping, {}, address)).toEqual({ auth: false });
  });
});

describe.skipIf(!available)('identity service to service', () => {
  it('a user’s token goes HTTP → gRPC → AMQP: the last service sees the user; the ledger, called with client credentials, sees the calling service', async () => {
    const token = await userToken(idp, 'alice', 'orders:read');
    const response = await fetch(`${frontUrl}/v1/front/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      middle: { subject: 'alice', clientId: 'web', transport: 'grpc' },
      back: { subject: 'alice', clientId: 'web', transport: 'amqp' },
      ledger: { subject: 'payments', clientId: 'payments', transport: 'amqp' },
    });
  });

  it('the event the user caused carries the user: the subscriber’s guard verifies it and sees alice', async () => {
    const token = await userToken(idp, 'alice', 'orders:read');
    const before = heard.length;
    await fetch(`${frontUrl}/v1/front/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    // HTTP → gRPC → AMQP, then a guard verifying the token: allow a busy machine more than 5 s.
    const until = Date.now() + 20_000;
    while (heard.length === before && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(heard.at(-1)).toEqual({ subject: 'alice', by: 'front' });
  });

  it('no token at the edge: nothing runs downstream, the caller gets 401', async () => {
    const response = await fetch(`${frontUrl}/v1/front/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });
});
