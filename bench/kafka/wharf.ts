import { createApp, defineContract, defineService, memoryRegistry, on } from '@wharf/core';
import { kafkaTransport } from '@wharf/transport-kafka';
import * as z from 'zod';
import { drive, figures, now, payload, type Round, type RoundOptions } from './round.js';

const Moved = z.object({ id: z.string(), n: z.number().int(), sentAt: z.number(), note: z.string() });
const bank = defineContract({ name: 'bank', version: '1.0.0', methods: {}, events: { moved: { payload: Moved, key: 'id' } } });

/** Wharf: `app.emit` with the contract's schema and key → Kafka → an `@On` handler in another app. */
export async function wharfRound(options: RoundOptions): Promise<Round> {
  const latencies: number[] = [];
  let handled = 0;
  const ledger = defineService({
    name: 'ledger',
    version: '1.0.0',
    on: {
      moved: on('bank.moved', {
        input: Moved,
        handler: (event) => {
          latencies.push(now() - event.sentAt);
          handled++;
        },
      }),
    },
  });
  const common = { brokers: [...options.brokers], namespace: options.namespace, partitions: 3 };
  const apps = [
    createApp({
      name: 'bank',
      transports: [kafkaTransport(common)],
      registry: memoryRegistry(),
      logger: { level: 'silent' },
      shutdown: { signals: false },
    }),
    createApp({
      name: 'ledger',
      services: [ledger],
      transports: [kafkaTransport(common)],
      registry: memoryRegistry(),
      logger: { level: 'silent' },
      shutdown: { signals: false },
    }),
  ];
  const [bankApp, ledgerApp] = apps as [(typeof apps)[0], (typeof apps)[0]];
  await bankApp.start();
  await bankApp.emit(bank.events.moved, payload(-1)); // creates the topic before the consumer joins
  await ledgerApp.start();
  await waitFor(() => handled >= 1);
  handled = 0;
  latencies.length = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const producedMs = await drive(
    options,
    (n) => bankApp.emit(bank.events.moved, payload(n)),
    () => handled,
  );
  const consumedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await Promise.all(apps.map((app) => app.stop()));
  return figures(options, producedMs, consumedMs, latencies, used);
}

async function waitFor(check: () => boolean): Promise<void> {
  const until = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > until) throw new Error('the consumer did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
