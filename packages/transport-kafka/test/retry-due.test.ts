// A retry copy runs when it is due, however far away that is: a due time past what one Node timer
// can wait (24.8 days; `retry.maxDelayMs` has no upper bound) must not make it run at once.
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { defineContract, On, Service } from '@wharf/core';
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

const jobs = defineContract({
  name: 'jobs',
  version: '1.0.0',
  methods: {},
  events: { due: { payload: z.object({ job: z.string() }) } },
});

const ran: string[] = [];

@Service({ name: 'worker', version: '1.0.0' })
class Worker {
  @On(jobs.events.due)
  run(payload: { job: string }) {
    ran.push(payload.job);
  }
}

const available = await kafkaAvailable();

describe.skipIf(!available)('Kafka retries due far ahead', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('retry-due');
  const apps = new Apps();

  beforeAll(async () => {
    await apps.start({ name: 'worker', services: [new Worker()], namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('a retry due in 30 days does not run now; one due now does', async () => {
    const producer = new Producer({ clientId: 'raw', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    const retry = (job: string, notBefore: number, partition: number) => ({
      topic: `${namespace}.worker._retry.1`,
      partition,
      key: job,
      value: JSON.stringify({ job }),
      headers: {
        ce_id: job,
        ce_type: 'jobs.due',
        'content-type': 'application/json',
        'x-wharf-handler': 'worker.run',
        'x-wharf-attempt': '2',
        'x-wharf-not-before': String(notBefore),
      },
    });
    try {
      await producer.send({
        messages: [retry('later', Date.now() + 30 * 24 * 3600 * 1000, 0), retry('now', Date.now(), 1)],
        acks: ProduceAcks.ALL,
      });
    } finally {
      await producer.close();
    }
    await eventually(() => ran.includes('now'), 'the retry due now');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ran).toEqual(['now']);
  }, 40_000);
});
