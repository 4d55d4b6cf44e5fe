import type { WireError } from '@wharf/core/transport';
import { isJsonContentType } from './headers.js';
import type { KafkaNames } from './names.js';
import { Header } from './names.js';
import type { InRecord } from './partition-work.js';

/** A record that can be handled, or why it never can. */
export type Inspection =
  | { readonly ok: true; readonly id: string; readonly name: string; readonly payload: unknown }
  | { readonly ok: false; readonly id: string | undefined; readonly name: string | undefined; readonly reason: WireError };

/** The event name: the `ce_type` header, else the event topic the record was read from. */
export function eventNameOf(record: InRecord, names: KafkaNames): string | undefined {
  const type = record.headers.get(Header.type);
  if (type !== undefined && type !== '') return type;
  return names.eventOf(record.topic);
}

/**
 * Checks everything about an event record that no retry can fix — id, event name, content type,
 * size, JSON — and parses its value. A record read from an event topic (`fromEventTopic`) is the
 * event of its topic: Kafka's ACLs say who may write to a topic, so a `ce_type` naming another
 * event must not run that event's handlers. Retry topics carry the name only in `ce_type`.
 */
export function inspectRecord(record: InRecord, names: KafkaNames, maxMessageBytes: number, fromEventTopic = false): Inspection {
  const topicEvent = fromEventTopic ? names.eventOf(record.topic) : undefined;
  const name = topicEvent ?? eventNameOf(record, names);
  const rawId = record.headers.get(Header.id);
  const id = rawId === '' ? undefined : rawId;
  const fail = (code: WireError['code'], message: string): Inspection => ({ ok: false, id, name, reason: { code, message } });
  if (id === undefined) {
    return fail('INVALID_ARGUMENT', `The record has no ${Header.id} header; Wharf events need one (it is the dedupe key)`);
  }
  const type = record.headers.get(Header.type);
  if (topicEvent !== undefined && type !== undefined && type !== '' && type !== topicEvent) {
    return fail(
      'INVALID_ARGUMENT',
      `The record's ${Header.type} ${JSON.stringify(type)} is not the event of its topic ${record.topic} (${topicEvent}): produce each event to its own topic`,
    );
  }
  if (name === undefined)
    return fail('INVALID_ARGUMENT', `The record names no event: set the ${Header.type} header to the event name`);
  const contentType = record.headers.get(Header.contentType);
  if (!isJsonContentType(contentType)) {
    return fail('INVALID_ARGUMENT', `Content type ${JSON.stringify(contentType)} is not supported; send application/json`);
  }
  const value = record.value;
  if (value === undefined || value.length === 0)
    return fail('INVALID_ARGUMENT', 'The record has no value; send the payload as JSON');
  if (value.length > maxMessageBytes) {
    return fail('RESOURCE_EXHAUSTED', `The event is ${value.length} bytes; this consumer accepts at most ${maxMessageBytes}`);
  }
  try {
    return { ok: true, id, name, payload: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    return fail('INVALID_ARGUMENT', `The event value is not valid JSON: ${(error as Error).message}`);
  }
}
