// (a) The guard's cost per call: the same in-process call (full client and server pipelines over
// the in-memory transport) without the guard, and with it verifying an RS256 or an ES256 token
// with keys already loaded — once with the verified-token cache off (every call checks the
// signature) and once with it on (the default: a repeat of the same token skips the signature).
import { authGuard } from '@wharf/auth';
import { type App, createApp, defineContract, implement } from '@wharf/core';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import * as z from 'zod';
import { median } from '../lib/stats.js';

const ISSUER = 'https://id.bench';
const AUDIENCE = 'urn:bench';
const echo = defineContract({
  name: 'echo',
  version: 1,
  methods: {
    echo: { input: z.object({ text: z.string().max(64) }), output: z.object({ text: z.string() }), auth: { scopes: ['echo'] } },
  },
});

interface Contender {
  readonly name: string;
  readonly app: App;
  readonly authorization: string | undefined;
}

async function contender(name: string, alg: 'RS256' | 'ES256' | undefined, cacheSize = 0): Promise<Contender> {
  let authorization: string | undefined;
  const server = [];
  if (alg !== undefined) {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const token = await new SignJWT({ scope: 'echo' })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('bench')
      .setExpirationTime('1h')
      .sign(privateKey);
    authorization = `Bearer ${token}`;
    server.push(
      authGuard({ issuer: ISSUER, audience: AUDIENCE, keys: [{ kid: 'k1', alg, key: await exportSPKI(publicKey) }], cacheSize }),
    );
  }
  const app = createApp({
    name,
    services: [implement(echo, { echo: ({ text }) => ({ text }) })],
    middleware: { server },
    logger: { level: 'warn' },
    requestLog: false,
    shutdown: { signals: false },
  });
  await app.start();
  return { name, app, authorization };
}

async function timePerCall(c: Contender, calls: number): Promise<number> {
  const options = c.authorization === undefined ? undefined : { metadata: { authorization: c.authorization } };
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await c.app.call(echo.methods.echo, { text: 'hi' }, options);
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

/** Runs the guard-cost rounds and prints µs per call and the added cost of each guard. */
export async function guardCost(rounds: number, calls: number): Promise<void> {
  const contenders = [
    await contender('no guard', undefined),
    await contender('guard RS256', 'RS256'),
    await contender('guard ES256', 'ES256'),
    await contender('guard RS256, cache on', 'RS256', 1024),
    await contender('guard ES256, cache on', 'ES256', 1024),
  ];
  const samples = new Map(contenders.map((c) => [c.name, [] as number[]]));
  for (const c of contenders) await timePerCall(c, Math.min(calls, 2_000)); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) samples.get(c.name)?.push(await timePerCall(c, calls));
  }
  const base = median(samples.get('no guard') ?? []);
  console.log(
    `\n(a) Guard cost per in-process call, ${rounds} rounds × ${calls} calls (medians; keys loaded, verified-token cache off unless said)`,
  );
  console.log('contender                 µs/call   added µs   × no guard');
  for (const c of contenders) {
    const m = median(samples.get(c.name) ?? []);
    console.log(
      `${c.name.padEnd(24)} ${m.toFixed(2).padStart(8)} ${(m - base).toFixed(2).padStart(10)} ${(m / base).toFixed(2).padStart(11)}×`,
    );
  }
  for (const c of contenders) await c.app.stop();
}
