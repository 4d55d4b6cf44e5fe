import type { WireError } from '@wharf/core/transport';
import { truncate } from './headers.js';
import { Header } from './names.js';
import type { InRecord } from './partition-work.js';

const FAILURE_HEADERS: ReadonlySet<string> = new Set([
  Header.attempt,
  Header.handler,
  Header.notBefore,
  Header.errorCode,
  Header.errorMessage,
  Header.errorDetails,
  Header.attempts,
  Header.deadLetteredAt,
  Header.sourceTopic,
  Header.sourcePartition,
  Header.sourceOffset,
]);

/** The record's own headers: its event attributes and metadata, without the transport's failure bookkeeping. */
export function ownHeaders(record: InRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of record.headers) if (!FAILURE_HEADERS.has(key)) out[key] = value;
  return out;
}

/** Where the event was first consumed: kept across retries, so a dead letter names its original topic. */
function source(record: InRecord, headers: Record<string, string>): void {
  headers[Header.sourceTopic] = record.headers.get(Header.sourceTopic) ?? record.topic;
  headers[Header.sourcePartition] = record.headers.get(Header.sourcePartition) ?? String(record.partition);
  headers[Header.sourceOffset] = record.headers.get(Header.sourceOffset) ?? String(record.offset);
}

/** A retry copy for one handler: the next attempt, when it may run, and the last error. */
export function retryHeaders(
  record: InRecord,
  name: string,
  handler: string,
  attempt: number,
  notBefore: number,
  error: WireError,
): Record<string, string> {
  const headers = ownHeaders(record);
  headers[Header.type] = name;
  headers[Header.handler] = handler;
  headers[Header.attempt] = String(attempt);
  headers[Header.notBefore] = String(notBefore);
  headers[Header.errorCode] = error.code;
  headers[Header.errorMessage] = truncate(error.message, 1_000);
  source(record, headers);
  return headers;
}

/** A dead letter: why (code, message, details), after how many attempts, for which handler, from where. */
export function deadLetterHeaders(
  record: InRecord,
  name: string | undefined,
  handler: string,
  reason: WireError,
  attempts: number,
): Record<string, string> {
  const headers = ownHeaders(record);
  if (name !== undefined) headers[Header.type] = name;
  headers[Header.handler] = handler;
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
  headers[Header.attempts] = String(attempts);
  headers[Header.deadLetteredAt] = String(Date.now());
  source(record, headers);
  return headers;
}
