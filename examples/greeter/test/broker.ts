// The shared RabbitMQ the greeter's AMQP tests use, and whether it answers.
import { requireService, serviceUrl } from '@wharf/real-parts';
import amqp from 'amqplib';

/** The broker the tests use: `AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672`. */
export const BROKER_URL = serviceUrl('rabbitmq');

/** True when RabbitMQ answers. Under CI a missing broker fails loudly; locally the caller skips, with the command that starts it. */
export function brokerAvailable(what: string): Promise<boolean> {
  return requireService('rabbitmq', what);
}

/** Deletes what a greeter with AMQP_NAMESPACE=`namespace` declared: its queues and exchanges. */
export async function deleteGreeterTopology(namespace: string): Promise<void> {
  const connection = await amqp.connect(BROKER_URL);
  connection.on('error', () => {});
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  for (const queue of [`${namespace}.greeter.v1.rpc`, `${namespace}.greeter.on.onGreeted`, `${namespace}.greeter.dlq`]) {
    await channel.deleteQueue(queue).catch(() => {});
  }
  for (const delay of [1_000, 3_000, 9_000, 27_000])
    await channel.deleteQueue(`${namespace}.wharf.delay.${delay}`).catch(() => {});
  await channel.deleteExchange(`${namespace}.wharf.events`).catch(() => {});
  await channel.deleteExchange(`${namespace}.wharf.delay`).catch(() => {});
  await connection.close();
}
