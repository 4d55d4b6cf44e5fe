// For tests that declare queues and exchanges on the shared RabbitMQ: remove them afterwards.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { serviceUrl } from './index.js';

const run = promisify(execFile);

/** @param {readonly string[]} args */
async function rabbitmqctl(args) {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  return stdout;
}

/**
 * Deletes every queue and exchange whose name starts with `namespace` (listed with rabbitmqctl,
 * deleted over AMQP). Best effort: without rabbitmqctl rights it only warns.
 * @param {string} namespace
 * @param {string} [url]
 */
export async function deleteAmqpNamespace(namespace, url = serviceUrl('rabbitmq')) {
  let queues;
  let exchanges;
  try {
    queues = (await rabbitmqctl(['list_queues', 'name'])).split('\n').map((l) => l.trim());
    exchanges = (await rabbitmqctl(['list_exchanges', 'name'])).split('\n').map((l) => l.trim());
  } catch (error) {
    console.warn(`Cannot list queues to clean up ${namespace}: ${/** @type {Error} */ (error).message}`);
    return;
  }
  const connection = await amqp.connect(url);
  connection.on('error', () => {});
  try {
    for (const queue of queues.filter((q) => q.startsWith(namespace))) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of exchanges.filter((e) => e.startsWith(namespace))) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close().catch(() => {});
  }
}
