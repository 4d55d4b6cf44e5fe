// bench/amqp server process: serves `bench.echo` (RPC) or consumes `bench.tick` (events), Wharf
// or raw amqplib, and reports what it handled and the CPU it spent between `start` and `stop`.
import { createApp, type InputOf, On, type PayloadOf, Rpc, Service } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import amqp from 'amqplib';
import { BROKER, bench, type Command, type Kind, PREFETCH, type Report, rawNames } from './shared.js';

const [kind, namespace] = process.argv.slice(2) as [Kind, string];
const send = (report: Report) => process.send?.(report);
let handled = 0;

@Service(bench)
class Bench {
  @Rpc(bench.methods.echo)
  echo(input: InputOf<typeof bench.methods.echo>) {
    handled++;
    return input;
  }

  @On(bench.events.tick)
  tick(_payload: PayloadOf<typeof bench.events.tick>) {
    handled++;
  }
}

async function wharf(): Promise<() => Promise<void>> {
  const app = createApp({
    name: 'bench-server',
    services: [new Bench()],
    transports: [amqpTransport({ url: BROKER, namespace, prefetch: PREFETCH })],
    logger: { level: 'warn' },
    requestLog: false,
    shutdown: { signals: false },
  });
  await app.start();
  return () => app.stop();
}

async function raw(): Promise<() => Promise<void>> {
  const names = rawNames(namespace);
  const connection = await amqp.connect(BROKER, { noDelay: true });
  connection.on('error', () => {});
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  await channel.prefetch(PREFETCH);
  if (kind === 'raw-rpc') {
    await channel.assertQueue(names.rpcQueue, { durable: true, arguments: { 'x-expires': 60_000 } });
    await channel.consume(names.rpcQueue, (message) => {
      if (message === null) return;
      const input = JSON.parse(message.content.toString());
      handled++;
      channel.publish('', message.properties.replyTo, Buffer.from(JSON.stringify(input)), {
        correlationId: message.properties.correlationId,
        contentType: 'application/json',
      });
      channel.ack(message);
    });
  } else {
    // The queue Wharf declares for a handler: durable quorum, delivery limit, dead-letter target.
    await channel.assertExchange(names.exchange, 'topic', { durable: true });
    await channel.assertQueue(names.eventQueue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 20,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': `${names.eventQueue}.dlq`,
      },
    });
    await channel.bindQueue(names.eventQueue, names.exchange, 'bench.tick');
    await channel.consume(names.eventQueue, (message) => {
      if (message === null) return;
      JSON.parse(message.content.toString());
      handled++;
      channel.ack(message);
    });
  }
  return () => connection.close();
}

let stop: () => Promise<void>;
let cpu = process.cpuUsage();
let base = 0;
process.on('message', (command: Command) => {
  if (command.cmd === 'start') {
    cpu = process.cpuUsage();
    base = handled;
    send({ started: true });
  } else {
    const used = process.cpuUsage(cpu);
    send({ server: { handled: handled - base, cpuMs: (used.user + used.system) / 1000 } });
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});
(kind.startsWith('wharf') ? wharf() : raw()).then(
  (stopper) => {
    stop = stopper;
    send({ ready: true });
  },
  (error: unknown) => {
    send({ error: String(error) });
    process.exit(1);
  },
);
