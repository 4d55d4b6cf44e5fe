import type { WireError } from '@wharf/core/transport';
import { matchTopic } from '@wharf/core/transport';
import type { ConsumeMessage } from 'amqplib';
import { isJsonContentType } from '../headers.js';
import { parseJsonBody } from '../json-body.js';

/** What a consumer knows about the handler whose queue a message came from. */
export interface InspectContext {
  /** `<service>.<handler>`. */
  readonly handler: string;
  readonly pattern: string;
  readonly queue: string;
  readonly eventsExchange: string;
  readonly maxMessageBytes: number;
}

/** A message that can be handled, or why it never can. */
export type Inspection =
  | { readonly ok: true; readonly id: string; readonly name: string; readonly payload: unknown }
  | { readonly ok: false; readonly name: string | undefined; readonly reason: WireError };

/** The event name: the `type` property, else the routing key of a delivery from the events exchange. */
function eventName(message: ConsumeMessage, eventsExchange: string): string | undefined {
  const type: unknown = message.properties.type;
  if (typeof type === 'string' && type !== '') return type;
  return message.fields.exchange === eventsExchange ? message.fields.routingKey : undefined;
}

/**
 * Checks everything about an event message that no retry can fix — message id, event name,
 * pattern, content type, size, JSON — and parses its body.
 */
export function inspectEvent(message: ConsumeMessage, context: InspectContext): Inspection {
  const { properties } = message;
  const name = eventName(message, context.eventsExchange);
  const fail = (code: WireError['code'], text: string): Inspection => ({ ok: false, name, reason: { code, message: text } });
  const id: unknown = properties.messageId;
  if (typeof id !== 'string' || id === '') {
    return fail('INVALID_ARGUMENT', 'The message has no message-id property; Wharf events need one (it is the dedupe key)');
  }
  if (name === undefined) {
    return fail('INVALID_ARGUMENT', 'The message names no event: set the type property to the event name');
  }
  if (!matchTopic(context.pattern, name)) {
    return fail(
      'UNIMPLEMENTED',
      `Event ${name} does not match ${context.handler}'s pattern ${context.pattern} (a stale binding of ${context.queue}? unbind it)`,
    );
  }
  if (!isJsonContentType(properties.contentType)) {
    return fail(
      'INVALID_ARGUMENT',
      `Content type ${JSON.stringify(properties.contentType)} is not supported; send application/json`,
    );
  }
  if (message.content.length > context.maxMessageBytes) {
    return fail(
      'RESOURCE_EXHAUSTED',
      `The event is ${message.content.length} bytes; this consumer accepts at most ${context.maxMessageBytes}`,
    );
  }
  const body = parseJsonBody(message.content);
  return body.ok ? { ok: true, id, name, payload: body.value } : fail('INVALID_ARGUMENT', `The event body ${body.why}`);
}
