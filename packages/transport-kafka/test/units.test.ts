import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { type Context, defineContract, On, Rpc, Service } from '@wharf/core';
import { asyncApiDocument, kafkaNames, kafkaTransport, topicMatcher } from '@wharf/transport-kafka';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const GREETER = fileURLToPath(new URL('../../../examples/greeter/dist/index.js', import.meta.url));

describe('topic names', () => {
  const names = kafkaNames('staging');

  it('maps events to topics and back, and keeps its own topics out of every pattern', () => {
    expect(names.eventTopic('orders.created')).toBe('staging.orders.created');
    expect(names.eventOf('staging.orders.created')).toBe('orders.created');
    expect(names.eventOf('staging.orders._dlt')).toBeUndefined();
    expect(names.eventOf('other.orders.created')).toBeUndefined();
    expect(names.retryTopic('orders', 2)).toBe('staging.orders._retry.2');
    expect(names.deadLetterTopic('orders')).toBe('staging.orders._dlt');
    expect(topicMatcher('#', names)('staging.orders._dlt')).toBe(false);
    expect(topicMatcher('orders.#', names)('staging.orders._retry.1')).toBe(false);
    expect(topicMatcher('#', names)('__consumer_offsets')).toBe(false);
    expect(topicMatcher('orders.*', names)('staging.orders.created')).toBe(true);
    expect(topicMatcher('orders.*', names)('orders.created')).toBe(false);
  });
});

describe('options', () => {
  it('refuses nonsense with a message naming the option', () => {
    expect(() => kafkaTransport({ partitions: 0 })).toThrow(/partitions must be a positive integer/);
    expect(() => kafkaTransport({ retry: { maxAttempts: 0 } })).toThrow(/retry.maxAttempts/);
    expect(() => kafkaTransport({ groupProtocol: 'eager' as never })).toThrow(/groupProtocol/);
    // Kafka names allow letters, digits, '.', '_' and '-': found at the first emit, it was a retryable UNAVAILABLE.
    expect(() => kafkaTransport({ namespace: 'my staging' })).toThrow(/namespace "my staging" .*letters, digits/);
    expect(() => kafkaTransport({ namespace: 'staging/eu' })).toThrow(/namespace/);
    expect(kafkaTransport({ namespace: 'Staging_EU-1' }).names.prefix).toBe('Staging_EU-1.');
  });
});

const shop = defineContract({
  name: 'shop',
  version: '2.0.0',
  description: 'Orders.',
  methods: { get: { input: z.object({ id: z.string() }), output: z.object({ id: z.string() }) } },
  events: {
    placed: {
      payload: z.object({ orderId: z.string(), cents: z.number() }),
      key: 'orderId',
      description: 'An order was placed.',
    },
  },
});

@Service(shop)
class Shop {
  // Every contract method is implemented (start-up refuses a partial implementation); Kafka carries none of them.
  @Rpc(shop.methods.get)
  async get({ id }: { id: string }) {
    return { id };
  }

  @On('payments.*', { input: z.object({ payment: z.string() }) })
  onPayment(_payload: { payment: string }, _ctx: Context) {}

  @On(shop.events.placed)
  onPlaced(_payload: { orderId: string }, _ctx: Context) {}
}

describe('AsyncAPI 3 with Kafka bindings', () => {
  it('is valid, with topics, key, group, retry and dead-letter channels', async () => {
    const document = asyncApiDocument({ contract: shop, service: new Shop(), namespace: 'prod', brokers: 'k1:9092,k2:9092' });
    const { diagnostics } = await new Parser().parse(JSON.stringify(document));
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    const channels = document.channels as Record<string, { address: string | null; bindings?: { kafka: object } }>;
    expect(channels['event.shop.placed']?.address).toBe('prod.shop.placed');
    expect(channels['event.shop.placed']?.bindings?.kafka).toMatchObject({ topic: 'prod.shop.placed', partitions: 6 });
    expect(channels['on.onPayment']?.address).toBeNull();
    expect(channels.deadLetters?.address).toBe('prod.shop._dlt');
    expect(channels.retries?.address).toBe('prod.shop._retry.{step}');
    const operations = document.operations as Record<string, { bindings?: { kafka: { groupId: object } } }>;
    expect(operations['on.onPlaced']?.bindings?.kafka.groupId).toEqual({ type: 'string', enum: ['prod.shop'] });
    const messages = (
      document.components as { messages: Record<string, { bindings: { kafka: { key: { description: string } } } }> }
    ).messages;
    expect(messages['event.shop.placed']?.bindings.kafka.key.description).toMatch(/orderId/);
  });

  it('wharf-kafka asyncapi prints the greeter’s document', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'asyncapi', GREETER, '--namespace', 'dev']);
    const document = JSON.parse(stdout);
    expect(document.asyncapi).toBe('3.0.0');
    expect(document.channels['event.greeter.greeted'].address).toBe('dev.greeter.greeted');
    const { diagnostics } = await new Parser().parse(stdout);
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
  });

  it('wharf-kafka explains what is wrong with a command', async () => {
    const failed = await run(process.execPath, [CLI, 'dlq', 'replay', 'x']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/replay needs --id/);
  });
});
