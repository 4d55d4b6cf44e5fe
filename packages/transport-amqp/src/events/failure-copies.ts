import type { WireError } from '@wharf/core/transport';
import type { Message, Options } from 'amqplib';
import { truncate } from '../headers.js';
import { Header } from '../names.js';

// Headers the broker adds when it dead-letters; a copy we publish starts without them so they
// do not pile up over retries (RabbitMQ sets them afresh on the next expiry).
const BROKER_HEADERS = new Set([
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-delivery-count',
]);
const FAILURE_HEADERS: ReadonlySet<string> = new Set([
  Header.attempt,
  Header.delay,
  Header.errorCode,
  Header.errorMessage,
  Header.errorDetails,
  Header.attempts,
  Header.sourceQueue,
  Header.handler,
  Header.deadLetteredAt,
]);

/** The message's own headers: without broker bookkeeping, and without failure headers when `clean`. */
export function ownHeaders(message: Message, clean: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const headers = message.properties.headers ?? {};
  for (const key of Object.keys(headers)) {
    if (BROKER_HEADERS.has(key) || key.startsWith('x-last-death-') || (clean && FAILURE_HEADERS.has(key))) continue;
    out[key] = headers[key];
  }
  return out;
}

/** The properties of a copy of `message`: the same id, timestamp, emitter and type. */
function copyProperties(message: Message, name: string | undefined, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const options: Options.Publish = { persistent: true, headers, contentType: p.contentType ?? 'application/json' };
  if (p.messageId !== undefined) options.messageId = p.messageId;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp;
  if (p.appId !== undefined) options.appId = p.appId;
  if (p.contentEncoding !== undefined) options.contentEncoding = p.contentEncoding;
  if (p.correlationId !== undefined) options.correlationId = p.correlationId;
  if (name !== undefined) options.type = name;
  else if (p.type !== undefined) options.type = p.type;
  return options;
}

/** A retry: the next attempt number, the delay step, and the last error. */
export function retryCopy(message: Message, name: string, attempt: number, delayMs: number, error: WireError): Options.Publish {
  const headers = ownHeaders(message, false);
  headers[Header.attempt] = attempt;
  headers[Header.delay] = String(delayMs);
  headers[Header.errorCode] = error.code;
  headers[Header.errorMessage] = truncate(error.message, 1_000);
  return copyProperties(message, name, headers);
}

/** A dead letter: why (code, message, details), after how many attempts, from which queue. */
export function deadLetterCopy(
  message: Message,
  name: string | undefined,
  reason: WireError,
  attempts: number,
  sourceQueue: string,
  handler: string,
): Options.Publish {
  const headers = ownHeaders(message, true);
  headers[Header.errorCode] = reason.code;
  headers[Header.errorMessage] = truncate(reason.message, 1_000);
  if (reason.details !== undefined) {
    let details: string;
    try {
      details = JSON.stringify(reason.details);
    } catch {
      details = '"unserialisable details"';
    }
    headers[Header.errorDetails] = truncate(details, 8_000);
  }
  headers[Header.attempts] = attempts;
  headers[Header.sourceQueue] = sourceQueue;
  headers[Header.handler] = handler;
  headers[Header.deadLetteredAt] = Date.now();
  return copyProperties(message, name, headers);
}

/** A replay of a dead letter: the failure headers removed, attempts counted afresh, the replay counted. */
export function replayCopy(message: Message): Options.Publish {
  const headers = ownHeaders(message, true);
  const replays = Number(message.properties.headers?.[Header.replays] ?? 0);
  headers[Header.replays] = (Number.isFinite(replays) ? replays : 0) + 1;
  return copyProperties(message, undefined, headers);
}
