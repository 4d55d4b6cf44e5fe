// bench/amqp load process: RPCs with 50 in flight, or events with 200 unconfirmed in flight,
// Wharf or raw amqplib, for a fixed time after a warm-up; reports calls, latency and its own CPU.
import { createApp, memoryRegistry } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import amqp from 'amqplib';
import { percentile } from '../lib/stats.js';
import { BROKER, bench, EVENTS_IN_FLIGHT, type Kind, type Report, RPC_IN_FLIGHT, rawNames } from './shared.js';

const [kind, namespace, seconds, warmup] = process.argv.slice(2) as [Kind, string, string, string];
const send = (report: Report) => process.send?.(report);
const payload = (n: number) => ({ n, text: 'hello, wharf' });

type Op = (n: number) => Promise<unknown>;

async function wharfOp(): Promise<{ op: Op; close: () => Promise<void> }> {
  const address = `amqp://127.0.0.1:5672/?namespace=${encodeURIComponent(namespace)}`;
  const app = createApp({
    name: 'bench-load',
    transports: [amqpTransport({ url: BROKER, namespace })],
    registry: memoryRegistry([{ id: 'bench', service: 'bench', version: '1.0.0', address }]),
    logger: { level: 'warn' },
    shutdown: { signals: false },
  });
  await app.start();
  const op: Op =
    kind === 'wharf-rpc' ? (n) => app.call(bench.methods.echo, payload(n)) : (n) => app.emit(bench.events.tick, payload(n));
  return { op, close: () => app.stop() };
}

async function rawOp(): Promise<{ op: Op; close: () => Promise<void> }> {
  const names = rawNames(namespace);
  const connection = await amqp.connect(BROKER, { noDelay: true });
  connection.on('error', () => {});
  if (kind === 'raw-rpc') {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    const pending = new Map<string, (value: unknown) => void>();
    await channel.consume(
      'amq.rabbitmq.reply-to',
      (message) => {
        if (message === null) return;
        const resolve = pending.get(message.properties.correlationId);
        pending.delete(message.properties.correlationId);
        resolve?.(JSON.parse(message.content.toString()));
      },
      { noAck: true },
    );
    let seq = 0;
    const op: Op = (n) =>
      new Promise((resolve) => {
        const correlationId = String(++seq);
        pending.set(correlationId, resolve);
        channel.publish('', names.rpcQueue, Buffer.from(JSON.stringify(payload(n))), {
          correlationId,
          replyTo: 'amq.rabbitmq.reply-to',
          contentType: 'application/json',
        });
      });
    return { op, close: () => connection.close() };
  }
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => {});
  const op: Op = (n) =>
    new Promise<void>((resolve, reject) => {
      channel.publish(
        names.exchange,
        'bench.tick',
        Buffer.from(JSON.stringify(payload(n))),
        { persistent: true, contentType: 'application/json', messageId: `m-${n}` },
        (error: unknown) => (error ? reject(error) : resolve()),
      );
    });
  return { op, close: () => connection.close() };
}

async function main(): Promise<void> {
  const { op, close } = kind.startsWith('wharf') ? await wharfOp() : await rawOp();
  const window = kind.endsWith('rpc') ? RPC_IN_FLIGHT : EVENTS_IN_FLIGHT;
  const warmupEnd = Date.now() + Number(warmup) * 1000;
  const end = warmupEnd + Number(seconds) * 1000;
  const latencies: number[] = [];
  let count = 0;
  let n = 0;
  let cpu = process.cpuUsage();
  let measuring = false;
  let measuredFrom = 0;
  const worker = async () => {
    for (;;) {
      const now = Date.now();
      if (now >= end) return;
      if (!measuring && now >= warmupEnd) {
        measuring = true;
        measuredFrom = performance.now();
        cpu = process.cpuUsage();
        send({ started: true });
      }
      const started = performance.now();
      await op(n++);
      if (measuring) {
        latencies.push(performance.now() - started);
        count++;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const used = process.cpuUsage(cpu);
  send({
    load: {
      count,
      seconds: elapsed,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      cpuMs: (used.user + used.system) / 1000,
    },
  });
  await close();
  process.exit(0);
}

main().catch((error: unknown) => {
  send({ error: String(error) });
  process.exit(1);
});
