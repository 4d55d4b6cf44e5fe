// The wharf command against two running services registered in a real etcd, called over HTTP,
// gRPC and AMQP (a real RabbitMQ).
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type App, createApp, defineContract, implement, WharfError } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { registryFromUrl, type WharfRegistry } from '@wharf/registry';
import { amqpTransport } from '@wharf/transport-amqp';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const etcd = await requireService('etcd', 'wharf services and wharf call');
const rabbit = await requireService('rabbitmq', 'wharf call --transport amqp and wharf tail');

const greeter = defineContract({
  name: 'greeter',
  version: '1.2.0',
  methods: {
    greet: { input: z.object({ name: z.string().max(64) }), output: z.object({ message: z.string(), caller: z.string() }) },
    slow: { input: z.object({}), output: z.object({}) },
  },
  events: { greeted: { payload: z.object({ name: z.string() }) } },
});
const clock = defineContract({
  name: 'clock',
  version: '3.0.0',
  methods: { now: { input: z.object({}), output: z.object({ year: z.int() }) } },
});

describe.skipIf(!etcd || !rabbit)('the wharf command', () => {
  const namespace = `cli-${process.pid}-${Date.now()}`;
  const registryUrl = `etcd://${new URL(serviceUrl('etcd')).host}?namespace=${namespace}`;
  const amqpUrl = serviceUrl('rabbitmq');
  const env = { ...process.env, WHARF_AMQP_URL: amqpUrl, WHARF_AMQP_NAMESPACE: namespace, WHARF_LOG_FORMAT: 'json' };
  const wharf = (...args: string[]) => run(process.execPath, [CLI, ...args, '--registry', registryUrl], { env });
  const apps: App[] = [];
  const registries: WharfRegistry[] = [];

  beforeAll(async () => {
    const greeterService = implement(greeter, {
      async greet({ name }, ctx) {
        if (name === 'nobody') throw new WharfError('NOT_FOUND', 'No such person');
        await ctx.emit(greeter.events.greeted, { name });
        return { message: `Hello, ${name}!`, caller: ctx.metadata['x-caller'] ?? 'anonymous' };
      },
      async slow(_input, ctx) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 20_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        });
        return {};
      },
    });
    const clockService = implement(clock, { now: async () => ({ year: new Date().getFullYear() }) });
    for (const [name, service] of [
      ['greeter', greeterService],
      ['clock', clockService],
    ] as const) {
      const registry = registryFromUrl(registryUrl);
      registries.push(registry);
      const app = createApp({
        name,
        services: [service],
        transports: [httpTransport({ port: 0 }), grpcTransport({ port: 0 }), amqpTransport({ url: amqpUrl, namespace })],
        registry,
        logger: { level: 'silent' },
        shutdown: { signals: false },
      });
      await app.start();
      apps.push(app);
    }
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.stop();
    for (const registry of registries) await registry.close();
  });

  it('wharf --help lists its commands and the transport tools', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    for (const word of [
      'wharf services',
      'wharf call',
      'wharf describe',
      'wharf tail',
      'wharf-proto',
      'wharf-amqp',
      'wharf-registry',
    ]) {
      expect(stdout).toContain(word);
    }
  });

  it('wharf services lists both services, each instance and address, and readiness', async () => {
    let stdout = '';
    // Registration is asynchronous: the apps advertise once ready.
    for (let i = 0; i < 50 && !(stdout.includes('greeter') && stdout.includes('clock') && stdout.includes('amqp://')); i++) {
      ({ stdout } = await wharf('services'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(`$ wharf services --registry ${registryUrl}\n${stdout}`);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+VERSION\s+INSTANCE\s+ADDRESS\s+READINESS$/);
    for (const [service, version] of [
      ['greeter', '1.2.0'],
      ['clock', '3.0.0'],
    ]) {
      const rows = lines.filter((l) => l.startsWith(`${service} `));
      expect(rows.map((r) => r.split(/\s+/)[3]!.split(':')[0]).sort()).toEqual(['amqp', 'grpc', 'http']);
      for (const row of rows) expect(row).toContain(version);
      expect(rows.filter((r) => r.endsWith('ready'))).toHaveLength(2); // http and grpc answer their health checks
      expect(rows.find((r) => r.includes('amqp://'))).toMatch(/registered$/);
    }
  });

  it('wharf call answers over HTTP, gRPC and AMQP with the same output, headers passed through', async () => {
    const outputs: string[] = [];
    for (const transport of ['http', 'grpc', 'amqp']) {
      const { stdout } = await wharf(
        'call',
        'greeter.greet',
        '{"name":"Ada"}',
        '--transport',
        transport,
        '--header',
        'x-caller=cli',
      );
      console.log(`$ wharf call greeter.greet '{"name":"Ada"}' --transport ${transport} --header x-caller=cli\n${stdout}`);
      outputs.push(stdout);
    }
    expect(JSON.parse(outputs[0]!)).toEqual({ message: 'Hello, Ada!', caller: 'cli' });
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
  }, 60_000);

  it('wharf call reports the typed error and honours --timeout on every transport', async () => {
    for (const transport of ['http', 'grpc', 'amqp']) {
      const missing = await wharf('call', 'greeter.greet', '{"name":"nobody"}', '--transport', transport).catch((e) => e);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('wharf: NOT_FOUND: No such person\n');
      const started = Date.now();
      const slow = await wharf('call', 'greeter.slow', '{}', '--transport', transport, '--timeout', '300ms').catch((e) => e);
      expect(slow.stderr).toMatch(/^wharf: DEADLINE_EXCEEDED: /);
      expect(Date.now() - started).toBeLessThan(15_000); // the handler would take 20 s
      const bad = await wharf('call', 'greeter.greet', '{"name":7}', '--transport', transport).catch((e) => e);
      expect(bad.stderr).toMatch(/^wharf: INVALID_ARGUMENT: /);
    }
  }, 60_000);

  it('wharf describe lists the methods with their schemas', async () => {
    const { stdout } = await wharf('describe', 'greeter', '--json');
    const description = JSON.parse(stdout);
    expect(description.version).toBe('1.2.0');
    expect(description.methods.map((m: { name: string }) => m.name).sort()).toEqual(['greet', 'slow']);
    const greet = description.methods.find((m: { name: string }) => m.name === 'greet');
    expect(greet.route).toBe('POST /v1/greeter/greet');
    expect(greet.input).toMatchObject({ type: 'object', properties: { name: { type: 'string', maxLength: 64 } } });
  });

  it('wharf tail prints events as they are published, taking none from the services', async () => {
    const child = spawn(process.execPath, [CLI, 'tail', 'greeter.*', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    try {
      for (let i = 0; i < 100 && !err.includes('watching'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await apps[0]!.client(greeter).greet({ name: 'Tailed' });
      for (let i = 0; i < 100 && !out.includes('Tailed'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const event = JSON.parse(out.trim().split('\n')[0]!);
      expect(event).toMatchObject({ name: 'greeter.greeted', emitter: 'greeter', payload: { name: 'Tailed' } });
      expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      child.kill('SIGINT');
    }
  });
});
