import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { JsonDepthGuard, WharfError } from '@wharf/core/transport';
import sjson from 'secure-json-parse';

/** A request the transport refuses before dispatch: the status to answer and the error to describe. */
export interface Refusal {
  readonly status: number;
  readonly error: WharfError;
  /** Close the connection after answering: the rest of the body is not worth reading. */
  readonly close: boolean;
}

/** Called once with the parsed body (undefined when there is none) or a refusal. */
export type BodyCallback = (refusal: Refusal | undefined, body: unknown) => void;

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/** True for `application/json` and `application/*+json`, in UTF-8 (the only charset JSON has, RFC 8259). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'application/json') return true;
  const [media = '', ...params] = value.toLowerCase().split(';');
  const type = media.trim();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) return false;
  for (const param of params) {
    const [key, raw = ''] = param.split('=');
    if (key?.trim() !== 'charset') continue;
    const charset = raw.trim().replace(/^"|"$/g, '');
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}

function tooLarge(limit: number): Refusal {
  return {
    status: 413,
    error: new WharfError(
      'RESOURCE_EXHAUSTED',
      `The request body is larger than the limit of ${limit} bytes; send less, or raise the server's bodyLimit`,
      { limit },
    ),
    close: true,
  };
}

/** What a body may be: its size in bytes and how deep its JSON may nest. */
export interface BodyLimits {
  readonly bytes: number;
  readonly depth: number;
}

function tooDeep(depth: number): Refusal {
  return {
    status: 400,
    error: new WharfError(
      'INVALID_ARGUMENT',
      `The request body nests JSON deeper than ${depth} levels; flatten it (the server refuses deeper JSON unparsed)`,
      { reason: 'JSON_TOO_DEEP', maxDepth: depth },
    ),
    // The rest of the body is not read.
    close: true,
  };
}

const NOT_UTF8: Refusal = {
  status: 400,
  error: new WharfError('INVALID_ARGUMENT', 'The request body is not valid UTF-8; JSON text must be UTF-8 (RFC 8259)'),
  close: false,
};

/** Parses JSON text, refusing malformed JSON and prototype-poisoning keys with 400. */
export function parseJson(text: string): { value: unknown; refusal: Refusal | undefined } {
  // RFC 8259 lets a parser ignore a byte order mark; JSON.parse does not.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { value: sjson.parse(source, null, PARSE_OPTIONS), refusal: undefined };
  } catch (error) {
    const poisoned = (error as Error).message.includes('forbidden prototype property');
    const message = poisoned
      ? 'The request body contains a "__proto__" or "constructor.prototype" key, which is refused (prototype poisoning); remove it'
      : `The request body is not valid JSON: ${(error as Error).message}`;
    return { value: undefined, refusal: { status: 400, error: new WharfError('INVALID_ARGUMENT', message), close: false } };
  }
}

/**
 * Reads and parses a JSON request body without ever holding more than `limits.bytes` bytes: a
 * Content-Length over the limit is refused before reading, a streamed body as soon as it passes it,
 * and JSON nested deeper than `limits.depth` as soon as the bytes show it (before any parsing).
 * Bytes that are not UTF-8 are refused rather than replaced with U+FFFD.
 */
export function readJsonBody(req: IncomingMessage, limits: BodyLimits, callback: BodyCallback): void {
  const limit = limits.bytes;
  const headers = req.headers;
  const declared = headers['content-length'];
  const chunked = headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) {
    callback(undefined, undefined);
    return;
  }
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && length > limit) {
    callback(tooLarge(limit), undefined);
    return;
  }
  const type = headers['content-type'];
  if (!isJsonContentType(type)) {
    const message =
      type === undefined
        ? 'The request has a body but no Content-Type; send it as application/json'
        : `Content-Type ${JSON.stringify(type)} is not supported; send the body as application/json (UTF-8)`;
    callback(
      { status: 415, error: new WharfError('INVALID_ARGUMENT', message), close: length === undefined || length > limit },
      undefined,
    );
    return;
  }

  const chunks: Buffer[] = [];
  const depth = new JsonDepthGuard(limits.depth);
  let size = 0;
  // Listeners stay attached after the end: the request object is dropped with them, and removing
  // four listeners per request costs more than it saves.
  let finished = false;
  const onData = (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      finished = true;
      chunks.length = 0;
      // Stop keeping it: what still arrives is read and dropped until the connection closes after the 413.
      req.off('data', onData);
      req.resume();
      callback(tooLarge(limit), undefined);
      return;
    }
    if (!depth.feed(chunk)) {
      finished = true;
      chunks.length = 0;
      req.off('data', onData);
      req.resume();
      callback(tooDeep(limits.depth), undefined);
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.on('end', () => {
    if (finished) return;
    finished = true;
    if (size === 0) {
      callback(undefined, undefined);
      return;
    }
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    // toString would replace invalid sequences with U+FFFD and accept them; isUtf8 is SIMD, ~µs per KiB.
    if (!isUtf8(bytes)) {
      callback(NOT_UTF8, undefined);
      return;
    }
    const { value, refusal } = parseJson(bytes.toString('utf8'));
    callback(refusal, value);
  });
  req.on('close', () => {
    if (finished) return;
    finished = true;
    callback(
      { status: 499, error: new WharfError('CANCELLED', 'The client went away while sending the body'), close: true },
      undefined,
    );
  });
}
