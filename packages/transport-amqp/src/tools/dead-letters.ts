import amqp, { type ConfirmChannel, type GetMessage, type Options } from 'amqplib';
import { replayCopy } from '../events/failure-copies.js';
import { intHeader, stringHeader } from '../headers.js';
import { Header, topologyNames } from '../names.js';

/** Which service's dead letters, on which broker. */
export interface DeadLetterOptions {
  /** Default `AMQP_URL`, else `amqp://127.0.0.1:5672`. */
  readonly url?: string;
  readonly namespace?: string;
  readonly service: string;
  /** Messages looked at, from the head of the queue; default 1 000. */
  readonly limit?: number;
}

/** One dead-lettered event and why it is there. */
export interface DeadLetter {
  /** The event's message id. */
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly emitter: string | undefined;
  /** The error code, e.g. INVALID_ARGUMENT, or `delivery_limit` when the broker dead-lettered it. */
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly details: unknown;
  readonly attempts: number | undefined;
  readonly handler: string | undefined;
  /** Where a replay sends it. */
  readonly sourceQueue: string | undefined;
  readonly deadLetteredAt: number | undefined;
  /** The body as text. */
  readonly body: string;
}

/** Which dead letters to replay. */
export interface ReplayOptions extends DeadLetterOptions {
  /** Message ids to replay. */
  readonly ids?: readonly string[];
  /** Replay every message looked at. */
  readonly all?: boolean;
}

/** What a replay did. */
export interface ReplayResult {
  readonly replayed: readonly DeadLetter[];
  /** Requested ids not found among the messages looked at. */
  readonly notFound: readonly string[];
  /** Selected messages left in place, with the reason. */
  readonly skipped: readonly { readonly id: string | undefined; readonly reason: string }[];
}

function urlOf(options: DeadLetterOptions): string {
  return options.url ?? process.env.AMQP_URL ?? 'amqp://127.0.0.1:5672';
}

/** The queue a dead letter came from: ours, else the broker's (`x-death`, for delivery-limit dead letters). */
function sourceQueueOf(message: GetMessage): string | undefined {
  const headers = message.properties.headers;
  const ours = stringHeader(headers, Header.sourceQueue);
  if (ours !== undefined) return ours;
  const first = stringHeader(headers, 'x-first-death-queue');
  if (first !== undefined) return first;
  const death = headers?.['x-death'];
  return Array.isArray(death) && typeof death[0]?.queue === 'string' ? death[0].queue : undefined;
}

function describe(message: GetMessage): DeadLetter {
  const p = message.properties;
  const headers = p.headers;
  let details: unknown;
  const rawDetails = stringHeader(headers, Header.errorDetails);
  if (rawDetails !== undefined) {
    try {
      details = JSON.parse(rawDetails);
    } catch {
      details = rawDetails;
    }
  }
  return {
    id: typeof p.messageId === 'string' ? p.messageId : undefined,
    event: typeof p.type === 'string' ? p.type : undefined,
    emitter: typeof p.appId === 'string' ? p.appId : undefined,
    code: stringHeader(headers, Header.errorCode) ?? stringHeader(headers, 'x-first-death-reason'),
    message: stringHeader(headers, Header.errorMessage),
    details,
    attempts: intHeader(headers, Header.attempts),
    handler: stringHeader(headers, Header.handler),
    sourceQueue: sourceQueueOf(message),
    deadLetteredAt: intHeader(headers, Header.deadLetteredAt),
    body: message.content.toString('utf8'),
  };
}

/**
 * Runs `work` on a confirm channel holding fetched messages unacked; closing the channel at the
 * end returns every message not acked to the queue, so looking never loses one.
 */
async function withDeadLetters<T>(
  options: DeadLetterOptions,
  work: (channel: ConfirmChannel, messages: GetMessage[]) => Promise<T>,
): Promise<T> {
  const queue = topologyNames(options.namespace).deadLetterQueue(options.service);
  const limit = options.limit ?? 1_000;
  const connection = await amqp.connect(urlOf(options), { noDelay: true });
  connection.on('error', () => {});
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    try {
      await channel.checkQueue(queue);
    } catch {
      throw new Error(`No dead-letter queue ${queue}: check the service name and the namespace`);
    }
    const messages: GetMessage[] = [];
    while (messages.length < limit) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      messages.push(message);
    }
    const result = await work(channel, messages);
    await channel.close();
    return result;
  } finally {
    await connection.close().catch(() => {});
  }
}

/** The dead letters of a service (up to `limit`, oldest first); they stay in the queue. */
export function listDeadLetters(options: DeadLetterOptions): Promise<DeadLetter[]> {
  return withDeadLetters(options, async (_channel, messages) => messages.map(describe));
}

function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, content, options, (error: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * Sends chosen dead letters back to the handler queue they came from, with their attempts
 * counted afresh; each is removed from the dead-letter queue only once the broker confirmed
 * the copy. The others stay where they are.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const wanted = new Set(options.ids ?? []);
  if (!options.all && wanted.size === 0) throw new Error('Say which dead letters to replay: give message ids, or all');
  const url = urlOf(options);
  return withDeadLetters(options, async (channel, messages) => {
    const replayed: DeadLetter[] = [];
    const skipped: { id: string | undefined; reason: string }[] = [];
    const existing = new Set<string>();
    for (const message of messages) {
      const letter = describe(message);
      if (!options.all && (letter.id === undefined || !wanted.has(letter.id))) continue;
      if (letter.id !== undefined) wanted.delete(letter.id);
      const queue = letter.sourceQueue;
      if (queue === undefined) {
        skipped.push({ id: letter.id, reason: 'it names no source queue' });
        continue;
      }
      if (!existing.has(queue)) {
        if (!(await queueExists(url, queue))) {
          skipped.push({ id: letter.id, reason: `its source queue ${queue} does not exist (start the service first)` });
          continue;
        }
        existing.add(queue);
      }
      await publishConfirmed(channel, queue, message.content, replayCopy(message));
      channel.ack(message);
      replayed.push(letter);
    }
    return { replayed, notFound: [...wanted], skipped };
  });
}

// A passive declare of a missing queue closes its channel, so it gets a connection of its own.
async function queueExists(url: string, queue: string): Promise<boolean> {
  const connection = await amqp.connect(url, { noDelay: true });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.checkQueue(queue);
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => {});
  }
}
