// The shared RabbitMQ the greeter's AMQP tests use, and whether it answers.
import amqp from 'amqplib';

/** The broker the tests use. */
export const BROKER_URL = process.env.AMQP_TEST_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** True when RabbitMQ answers. Under CI a missing broker fails loudly; locally the caller skips, with a hint. */
export async function brokerAvailable(what: string): Promise<boolean> {
  try {
    const connection = await amqp.connect(BROKER_URL, { timeout: 2_000 });
    connection.on('error', () => {});
    await connection.close();
    return true;
  } catch (error) {
    if (process.env.CI)
      throw new Error(`RabbitMQ is required under CI but ${BROKER_URL} does not answer: ${(error as Error).message}`);
    console.warn(`Skipping ${what}: no RabbitMQ at ${BROKER_URL}. Start one with \`rabbitmq-server -detached\`.`);
    return false;
  }
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
