// The greeter as shipped (dist/main.js) with KAFKA_BROKERS set: its `greeted` event goes over Kafka
// and its own @On handler consumes it from there; RPCs stay on HTTP. Handler code unchanged.
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { type App, createApp, memoryRegistry } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeter } from '../src/contract.js';
import { type GreeterProcess, startGreeterProcess } from './main-process.js';

const BROKERS = serviceUrl('kafka');
const available = await requireService('kafka', 'the greeter Kafka test');

describe.skipIf(!available)('greeter with Kafka as its event bus (dist/main.js with KAFKA_BROKERS)', () => {
  const namespace = `wharf-test.greeter-${randomBytes(4).toString('hex')}`;
  let greeterProcess: GreeterProcess;
  let client: App;

  beforeAll(async () => {
    greeterProcess = await startGreeterProcess({ KAFKA_BROKERS: BROKERS, KAFKA_NAMESPACE: namespace });
    const address = greeterProcess.addresses.find((a) => a.startsWith('http://')) as string;
    client = createApp({
      name: 'greeter-client',
      transports: [httpTransport()],
      registry: memoryRegistry([{ id: 'greeter-http', service: 'greeter', version: '1.0.0', address }]),
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await client.start();
  }, 40_000);

  afterAll(async () => {
    await client?.stop();
    if (greeterProcess?.child.exitCode === null) greeterProcess.child.kill('SIGKILL');
    const admin = new Admin({ clientId: 'greeter-test-cleanup', bootstrapBrokers: BROKERS.split(',') });
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(namespace));
    if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => {});
    await admin.close();
  });

  it('emits `greeted` over Kafka, where its own handler consumes it, and exits cleanly on SIGTERM', async () => {
    const greet = client.client(greeter);
    await greet.greet({ name: 'Ada' });
    await greet.greet({ name: 'Grace', language: 'de' });
    const until = Date.now() + 20_000;
    let greeted = 0;
    while (greeted < 2 && Date.now() < until) {
      greeted = (await greet.stats({})).greeted;
      if (greeted < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(greeted).toBe(2);
    expect(greeterProcess.output()).toContain('Kafka consumers joined');
    expect(await greeterProcess.terminate()).toBe(0);
  });
});
