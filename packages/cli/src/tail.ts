// `wharf tail PATTERN`: watches events go by on the AMQP event bus, without taking any from the
// services: its own exclusive queue, bound with the pattern, deleted when it stops.
import { topologyNames } from '@wharf/transport-amqp';
import amqp from 'amqplib';

/** One event as `tail` prints it. */
export interface TailedEvent {
  readonly name: string;
  readonly id: string | undefined;
  readonly emitter: string | undefined;
  readonly timestamp: string | undefined;
  readonly payload: unknown;
}

/**
 * Prints every event whose name matches `pattern` (AMQP topic rules: `*` one word, `#` any) until
 * `signal` aborts. Resolves once the queue is bound, with a promise that settles when it stops.
 */
export async function tailEvents(options: {
  readonly url: string;
  readonly namespace?: string;
  readonly pattern: string;
  readonly signal: AbortSignal;
  readonly onEvent: (event: TailedEvent) => void;
}): Promise<{ stopped: Promise<void> }> {
  const names = topologyNames(options.namespace);
  const connection = await amqp.connect(options.url, { clientProperties: { connection_name: 'wharf tail' } });
  connection.on('error', () => {}); // reported through close below
  const channel = await connection.createChannel();
  await channel.assertExchange(names.eventsExchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await channel.bindQueue(queue, names.eventsExchange, options.pattern);
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      let payload: unknown;
      try {
        payload = JSON.parse(message.content.toString('utf8'));
      } catch {
        payload = message.content.toString('utf8');
      }
      const stamp = message.properties.headers?.['x-wharf-timestamp-ms'];
      options.onEvent({
        name: message.fields.routingKey,
        id: message.properties.messageId,
        emitter: message.properties.appId,
        timestamp: typeof stamp === 'number' ? new Date(stamp).toISOString() : undefined,
        payload,
      });
    },
    { noAck: true },
  );
  const stopped = new Promise<void>((resolve) => {
    const stop = () => void connection.close().finally(resolve);
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
    connection.once('close', () => resolve());
  });
  return { stopped };
}
