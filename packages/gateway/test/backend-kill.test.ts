// Must show 4 (failover): two catalog instances in their own processes behind the gateway; one is
// SIGKILLed under a mixed load. GETs (idempotent) that were in flight are retried on the other
// instance, so none fails; POSTs in flight at the kill may fail (503: they may have run), none
// sent after it does.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway } from '@wharf/gateway';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { quiet } from './helpers.js';

const BACKEND = fileURLToPath(new URL('./fixtures/backend.mjs', import.meta.url));
const CONCURRENCY = 8;

const children: ChildProcess[] = [];
let gateway: Gateway;

function startBackend(name: string): Promise<string> {
  const child = fork(BACKEND, ['0', name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve((m as { address: string }).address));
    child.once('exit', (code) => reject(new Error(`backend ${name} exited with ${code}`)));
  });
}

beforeAll(async () => {
  const [a, b] = await Promise.all([startBackend('catalog-a'), startBackend('catalog-b')]);
  const registry = memoryRegistry([
    { id: 'catalog-a', service: 'catalog', version: '1.0.0', address: a as string },
    { id: 'catalog-b', service: 'catalog', version: '1.0.0', address: b as string },
  ]);
  gateway = createGateway({ services: [catalog], registry, http: { port: 0 }, logger: quiet });
  await gateway.start();
});

afterAll(async () => {
  await gateway?.stop();
  for (const child of children) child.kill('SIGKILL');
});

describe('a backend SIGKILLed under load', () => {
  it('only POSTs in flight at the kill fail; GETs are retried elsewhere; every later call succeeds', {
    timeout: 30_000,
  }, async () => {
    const pool = new Pool(gateway.url as string, { connections: CONCURRENCY });
    const answered = { 'catalog-a': 0, 'catalog-b': 0 };
    const failures: { method: string; status: number; at: number }[] = [];
    const inFlight = { GET: 0, POST: 0 };
    let postsInFlightAtKill = -1;
    let killedAt = Number.POSITIVE_INFINITY;
    const stopAt = Date.now() + 4_000;
    setTimeout(() => {
      postsInFlightAtKill = inFlight.POST;
      killedAt = Date.now();
      children[0]?.kill('SIGKILL');
    }, 1_500);
    const worker = async (method: 'GET' | 'POST') => {
      let i = 0;
      while (Date.now() < stopAt) {
        inFlight[method]++;
        const { statusCode, body } =
          method === 'GET'
            ? await pool.request({ path: `/v1/items/${i++}`, method })
            : await pool.request({
                path: '/v1/notes',
                method,
                headers: { 'content-type': 'application/json' },
                body: '{"text":"hi"}',
              });
        inFlight[method]--;
        if (statusCode === 200) {
          const { instance } = (await body.json()) as { instance: 'catalog-a' | 'catalog-b' };
          answered[instance]++;
        } else {
          await body.dump();
          failures.push({ method, status: statusCode, at: Date.now() });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i % 2 === 0 ? 'GET' : 'POST')));
    await pool.close();
    const failed = (method: string) => failures.filter((f) => f.method === method).length;
    console.log(
      `answered ${JSON.stringify(answered)}; failed: ${failed('GET')} GET, ${failed('POST')} POST (POSTs in flight at the kill: ${postsInFlightAtKill})`,
    );
    expect(answered['catalog-a']).toBeGreaterThan(10); // both served before the kill
    expect(answered['catalog-b']).toBeGreaterThan(answered['catalog-a']); // and b took over after it
    expect(failed('GET')).toBe(0);
    expect(failures.length).toBeLessThanOrEqual(postsInFlightAtKill);
    expect(failures.every((f) => f.status === 503 && f.at - killedAt < 2_000)).toBe(true);
  });
});
