// What the example's tests share: the broker, a fresh namespace per run and its clean-up, log capture.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { serviceUrl } from '@wharf/real-parts';
import amqp from 'amqplib';

/** The broker: `AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672`. */
export const BROKER_URL = serviceUrl('rabbitmq');

/** A namespace no other run uses. */
export function freshNamespace(what: string): string {
  return `obs-${what}-${randomBytes(3).toString('hex')}`;
}

/** Deletes the queues and exchanges the example declared under `namespace`. */
export async function deleteExampleTopology(namespace: string, delaysMs: readonly number[] = [200, 400]): Promise<void> {
  const connection = await amqp.connect(BROKER_URL);
  connection.on('error', () => {});
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  const queues = ['mailer.on.onPlaced', 'mailer.dlq', 'mailer.v1.rpc', 'orders.v1.rpc', 'orders.dlq'];
  for (const queue of queues) await channel.deleteQueue(`${namespace}.${queue}`).catch(() => {});
  for (const delay of delaysMs) await channel.deleteQueue(`${namespace}.wharf.delay.${delay}`).catch(() => {});
  await channel.deleteExchange(`${namespace}.wharf.events`).catch(() => {});
  await channel.deleteExchange(`${namespace}.wharf.delay`).catch(() => {});
  await connection.close();
}

/** The JSON lines written to it, parsed. */
export interface LogCapture {
  readonly stream: Writable;
  readonly lines: Record<string, unknown>[];
}

/** A destination that keeps every log line. */
export function captureLogs(): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** Polls `probe` until it returns something defined, or fails after `ms`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
  what = 'the condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
