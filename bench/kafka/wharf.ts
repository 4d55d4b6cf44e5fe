import { createApp, defineContract, defineService, memoryRegistry, on } from '@wharf/core';
import { kafkaTransport } from '@wharf/transport-kafka';
import * as z from 'zod';
import { emitAll, now, payload, type RoundOptions } from './round.js';

const Moved = z.object({ id: z.string(), n: z.number().int(), sentAt: z.number(), note: z.string() });
const bank = defineContract({ name: 'bank', version: '1.0.0', methods: {}, events: { moved: { payload: Moved, key: 'id' } } });

const appOptions = { registry: memoryRegistry(), logger: { level: 'silent' }, shutdown: { signals: false } } as const;
const transport = (options: RoundOptions) =>
  kafkaTransport({ brokers: [...options.brokers], namespace: options.namespace, partitions: 3 });

/** Wharf's producer: `app.emit` of a contract event (schema check, key, headers, request id). */
export async function wharfProducer(options: RoundOptions, ready: () => Promise<void>): Promise<number> {
  const app = createApp({ name: 'bank', transports: [transport(options)], ...appOptions });
  await app.start();
  await app.emit(bank.events.moved, payload(-1)); // creates the topic
  await ready();
  const producedMs = await emitAll(options, (n) => app.emit(bank.events.moved, payload(n)));
  await app.stop();
  return producedMs;
}

/** Wharf's consumer: an `@On` handler (headers, JSON, zod, the server pipeline, dedupe, commit after it). */
export async function wharfConsumer(
  options: RoundOptions,
  handled: (latencyMs: number, n: number) => void,
): Promise<() => Promise<void>> {
  const ledger = defineService({
    name: 'ledger',
    version: '1.0.0',
    on: { moved: on('bank.moved', { input: Moved, handler: (event) => handled(now() - event.sentAt, event.n) }) },
  });
  const app = createApp({ name: 'ledger', services: [ledger], transports: [transport(options)], ...appOptions });
  await app.start();
  return () => app.stop();
}
