// RabbitMQ: publish one persistent message through a confirm channel and consume it back, with
// amqplib, the client the AMQP transport is built on.
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';

const available = await requireService('rabbitmq', 'the RabbitMQ smoke test');

describe.skipIf(!available)('RabbitMQ (AMQP_URL)', () => {
  it('confirms a published message and delivers it to a consumer', async () => {
    const connection = await amqp.connect(serviceUrl('rabbitmq'));
    try {
      const channel = await connection.createConfirmChannel();
      const queue = `wharf-smoke-${randomBytes(4).toString('hex')}`;
      await channel.assertQueue(queue, { exclusive: true });
      const body = randomBytes(8).toString('hex');
      const received = new Promise<string>((resolve) => {
        void channel.consume(queue, (message) => {
          if (!message) return;
          channel.ack(message);
          resolve(message.content.toString());
        });
      });
      channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
      await channel.waitForConfirms();
      expect(await received).toBe(body);
    } finally {
      await connection.close();
    }
  });
});
