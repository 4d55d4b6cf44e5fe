// A record's topic decides which handlers run, not its ce_type header: Kafka's ACLs say who may
// write to which topic, so a producer allowed to write `cart.updated` must not be able to run the
// handlers of `payments.settled` by naming that event in a header.
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { defineContract, On, Service } from '@wharf/core';
import { listDeadLetters } from '@wharf/transport-kafka';
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

const shop = defineContract({
  name: 'shop',
  version: '1.0.0',
  methods: {},
  events: {
    settled: { payload: z.object({ orderId: z.string() }) },
    updated: { payload: z.object({ orderId: z.string() }) },
  },
});
const settledEvent = 'payments.settled';
const updatedEvent = 'cart.updated';

const shipped: string[] = [];
const carts: string[] = [];

@Service({ name: 'shipping', version: '1.0.0' })
class Shipping {
  @On(settledEvent, { input: shop.events.settled.payload })
  ship(payload: { orderId: string }) {
    shipped.push(payload.orderId);
  }

  @On(updatedEvent, { input: shop.events.updated.payload })
  cart(payload: { orderId: string }) {
    carts.push(payload.orderId);
  }
}

const available = await kafkaAvailable();

describe.skipIf(!available)('the event a Kafka record carries', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('event-type');
  const apps = new Apps();

  beforeAll(async () => {
    await apps.start({ name: 'shipping', services: [new Shipping()], namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('a ce_type naming another event than its topic runs no handler of that event, and is dead-lettered', async () => {
    const producer = new Producer({ clientId: 'raw', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    const headers = (id: string, type: string) => ({ ce_id: id, ce_type: type, 'content-type': 'application/json' });
    try {
      await producer.send({
        messages: [
          { topic: `${namespace}.${updatedEvent}`, value: '{"orderId":"spoofed"}', headers: headers('spoof-1', settledEvent) },
          { topic: `${namespace}.${updatedEvent}`, value: '{"orderId":"honest"}', headers: headers('cart-1', updatedEvent) },
        ],
        acks: ProduceAcks.ALL,
      });
    } finally {
      await producer.close();
    }
    await eventually(
      async () => (await listDeadLetters({ brokers: BROKERS, namespace, service: 'shipping' })).some((l) => l.id === 'spoof-1'),
      'the spoofed record dead-lettered',
    );
    await eventually(() => carts.includes('honest'), 'the honest record handled');
    expect(shipped).toEqual([]);
    expect(carts).toEqual(['honest']);
    const [letter] = (await listDeadLetters({ brokers: BROKERS, namespace, service: 'shipping' })).filter(
      (l) => l.id === 'spoof-1',
    );
    expect(letter).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1 });
    expect(letter?.message).toMatch(/ce_type/);
  });
});
