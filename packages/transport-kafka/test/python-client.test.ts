// Must-show 3: a client in another language, written from docs/transports/kafka.md alone
// (Python, confluent-kafka from PyPI), emits an event a Wharf handler consumes and consumes one
// Wharf emits. .ci/run installs the client (test/python/requirements.txt) and sets WHARF_PYTHON.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type App, type Context, defineContract, type EventInfo, On, Service } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  Apps,
  BROKERS,
  deleteNamespace,
  eventually,
  installCrashGuard,
  kafkaAvailable,
  uniqueNamespace,
} from './helpers/kafka.js';

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('./python/client.py', import.meta.url));
const PYTHON = process.env.WHARF_PYTHON ?? 'python3';

async function pythonReady(): Promise<boolean> {
  try {
    await run(PYTHON, ['-c', 'import confluent_kafka']);
    return true;
  } catch {
    const how = `python3 -m venv /tmp/wharf-py && /tmp/wharf-py/bin/pip install -r packages/transport-kafka/test/python/requirements.txt, then WHARF_PYTHON=/tmp/wharf-py/bin/python`;
    if (process.env.CI) throw new Error(`The Python interop test needs confluent-kafka under CI (${PYTHON}): ${how}`);
    console.warn(`Skipping the Python interop test: ${PYTHON} cannot import confluent_kafka; ${how}`);
    return false;
  }
}

const stock = defineContract({
  name: 'inventory',
  version: '1.0.0',
  methods: {},
  events: { low: { payload: z.object({ sku: z.string(), left: z.number().int() }), key: 'sku' } },
});

const restocked: { payload: unknown; event: EventInfo | undefined; metadata: Record<string, string> }[] = [];

@Service({ name: 'inventory', version: '1.0.0' })
class Inventory {
  @On('stock.restocked', { input: z.object({ sku: z.string(), count: z.number().int().positive() }) })
  onRestocked(payload: { sku: string; count: number }, ctx: Context) {
    restocked.push({ payload, event: ctx.event, metadata: { ...ctx.metadata } });
  }
}

const available = (await kafkaAvailable()) && (await pythonReady());

describe.skipIf(!available)('a Python client (confluent-kafka) and Wharf', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('python');
  const apps = new Apps();
  let app: App;

  beforeAll(async () => {
    app = await apps.start({ name: 'inventory', services: [new Inventory()], namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('Python emits, a Wharf handler consumes', async () => {
    const { stdout } = await run(PYTHON, [
      CLIENT,
      'emit',
      BROKERS,
      namespace,
      'stock.restocked',
      'sku-1',
      '{"sku":"sku-1","count":3}',
    ]);
    const id = stdout.trim();
    await eventually(() => restocked.length > 0, 'the handler to run', 30_000);
    expect(restocked[0]).toMatchObject({
      payload: { sku: 'sku-1', count: 3 },
      event: { id, name: 'stock.restocked', emitter: 'python-client', attempt: 1 },
      metadata: { 'x-request-id': 'py-req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
  }, 60_000);

  it('Wharf emits, Python consumes', async () => {
    await app.emit(stock.events.low, { sku: 'sku-9', left: 1 }, { id: 'low-1', metadata: { baggage: 'tenant=acme' } });
    const { stdout } = await run(PYTHON, [CLIENT, 'receive', BROKERS, namespace, 'inventory.low'], { timeout: 90_000 });
    const received = JSON.parse(stdout);
    expect(received).toMatchObject({
      key: 'sku-9',
      payload: { sku: 'sku-9', left: 1 },
      headers: {
        ce_id: 'low-1',
        ce_type: 'inventory.low',
        ce_source: 'inventory',
        ce_specversion: '1.0',
        'content-type': 'application/json',
        baggage: 'tenant=acme',
      },
    });
    expect(Date.parse(received.headers.ce_time)).toBeGreaterThan(Date.now() - 60_000);
    expect(received.headers['x-request-id']).toBeTruthy();
  }, 120_000);
});
