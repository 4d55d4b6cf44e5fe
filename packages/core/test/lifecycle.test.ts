import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createApp, defineContract, implement, type Transport, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const slow = defineContract({
  name: 'slow',
  version: 1,
  methods: { work: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) } },
});

function service(log: string[] = []) {
  return implement(slow, {
    async work({ ms }, ctx) {
      log.push(`start ${ms}`);
      await sleep(ms, undefined, { signal: ctx.signal });
      log.push(`end ${ms}`);
      return { done: true };
    },
  });
}

describe('lifecycle', () => {
  it('graceful stop waits for an in-flight call, then refuses new ones', async () => {
    const log: string[] = [];
    const app = await createTestApp({ services: [service(log)] });
    const inFlight = app.client(slow).work({ ms: 200 });
    // Stop once the handler runs (not after a guessed 20 ms), so the call is surely in flight.
    while (!log.includes('start 200')) await sleep(1);
    const stopped = app.stop().then(() => log.push('stopped'));
    await sleep(10);
    expect(app.state).toBe('draining');
    expect(app.isReady()).toBe(false);
    await expect(app.client(slow).work({ ms: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(inFlight).resolves.toEqual({ done: true });
    await stopped;
    expect(log).toEqual(['start 200', 'end 200', 'stopped']);
    expect(app.state).toBe('stopped');
    await expect(app.invoke(slow.methods.work, { ms: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('after the drain timeout, work still running is cancelled with UNAVAILABLE', async () => {
    const log: string[] = [];
    const app = await createTestApp({ services: [service(log)], shutdown: { timeoutMs: 100 } });
    const inFlight = app
      .client(slow)
      .work({ ms: 10_000 })
      .catch((e: unknown) => e);
    await sleep(20);
    const started = Date.now();
    await app.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    const error = (await inFlight) as WharfError;
    expect(error).toBeInstanceOf(WharfError);
    expect(error.code).toBe('UNAVAILABLE');
  });

  it('readiness follows the lifecycle and each transport', async () => {
    const changes: boolean[] = [];
    let setReady: ((ready: boolean, reason?: string) => void) | undefined;
    const gate: Transport = {
      name: 'gate',
      async listen(host) {
        setReady = host.setReady;
        host.setReady(false, 'consumers not attached');
        return [];
      },
    };
    const app = createApp({
      services: [service()],
      transports: [gate],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    app.onReadinessChange((ready) => changes.push(ready));
    expect(app.state).toBe('created');
    expect(app.isReady()).toBe(false);
    await app.start();
    expect(app.state).toBe('ready');
    expect(app.isReady()).toBe(false);
    setReady?.(true);
    expect(app.isReady()).toBe(true);
    setReady?.(false, 'consumer cancelled by broker');
    expect(app.isReady()).toBe(false);
    setReady?.(true);
    await app.stop();
    expect(changes).toEqual([true, false, true, false]);
  });

  it('a failed start closes what it opened and reports the cause', async () => {
    const closed: string[] = [];
    const ok: Transport = {
      name: 'ok',
      async listen() {
        return ['ok://here'];
      },
      async close() {
        closed.push('ok');
      },
    };
    const broken: Transport = {
      name: 'broken',
      async listen() {
        throw new Error('port 80 is taken');
      },
      async close() {
        closed.push('broken');
      },
    };
    const app = createApp({
      services: [service()],
      transports: [ok, broken],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await expect(app.start()).rejects.toThrow('port 80 is taken');
    expect(closed.sort()).toEqual(['broken', 'ok']);
    expect(app.state).toBe('stopped');
  });

  it('registers each address on start and deregisters before closing', async () => {
    const { memoryRegistry } = await import('@wharf/core');
    const registry = memoryRegistry();
    const events: string[] = [];
    const probe: Transport = {
      name: 'probe',
      async listen() {
        return ['probe://a', 'probe://b'];
      },
      async close() {
        events.push(`close with ${(await registry.lookup('slow')).length} registered`);
      },
    };
    const app = createApp({
      services: [service()],
      transports: [probe],
      registry,
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    const addresses = (await registry.lookup('slow')).map((i) => i.address).sort();
    expect(addresses.filter((a) => a.startsWith('probe'))).toEqual(['probe://a', 'probe://b']);
    expect(addresses.some((a) => a.startsWith('memory://'))).toBe(true);
    await app.stop();
    expect(events).toEqual(['close with 0 registered']);
  });

  it('advertises only while ready, with version and metadata, and withdraws when a transport holds readiness', async () => {
    const { memoryRegistry } = await import('@wharf/core');
    const registry = memoryRegistry();
    let setReady: ((ready: boolean, reason?: string) => void) | undefined;
    const held: Transport = {
      name: 'held',
      async listen(host) {
        setReady = host.setReady;
        host.setReady(false, 'broker not reached yet');
        return ['held://x'];
      },
    };
    const app = createApp({
      services: [service()],
      transports: [held],
      registry,
      metadata: { release: '2' },
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    expect(registry.lookup('slow')).toEqual([]);
    expect(app.health()).toMatchObject({ ready: false, state: 'ready', holds: { held: 'broker not reached yet' } });
    setReady?.(true);
    await sleep(10);
    const advertised = registry.lookup('slow') as readonly { address: string; version: string; metadata?: object }[];
    expect(advertised.map((i) => i.address).sort()).toEqual([expect.stringMatching(/^held:/), expect.stringMatching(/^memory:/)]);
    expect(advertised[0]).toMatchObject({ version: '1', metadata: { release: '2', app: 'wharf', instance: app.instanceId } });
    setReady?.(false, 'broker lost');
    await sleep(10);
    expect(registry.lookup('slow')).toEqual([]);
    setReady?.(true);
    await sleep(10);
    expect((registry.lookup('slow') as readonly unknown[]).length).toBe(2);
    await app.stop();
    expect(registry.lookup('slow')).toEqual([]);
  });

  it('SIGTERM drains in-flight work, refuses new work, then exits 0', async () => {
    const script = fileURLToPath(new URL('./fixtures/sigterm-app.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    while (!out.includes('started')) await sleep(10);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([
      'started',
      'ready=false',
      'late call refused: UNAVAILABLE',
      'in-flight finished: {"done":true}',
      'exit 0 state=stopped',
    ]);
  });
});
