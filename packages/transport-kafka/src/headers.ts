import type { Metadata } from '@wharf/core/transport';

/** Record headers as the consumer hands them over: names and values as strings. */
export type Headers = ReadonlyMap<string, string>;

// Headers that carry the transport's own state or the CloudEvents attributes, never request metadata.
function isTransportHeader(key: string): boolean {
  return key.startsWith('x-wharf-') || key.startsWith('wharf-') || key.startsWith('ce_') || key === 'content-type';
}

// Header names as metadata keys (lower-cased), or null for the transport's own: asked for every
// header of every record, and the names a consumer sees are few — though a producer may send any,
// so only the first 1 000 are kept.
const metadataKeys = new Map<string, string | null>();

function metadataKey(key: string): string | null {
  let known = metadataKeys.get(key);
  if (known === undefined) {
    const lower = key.toLowerCase();
    known = isTransportHeader(lower) ? null : lower;
    if (metadataKeys.size < 1_000) metadataKeys.set(key, known);
  }
  return known;
}

/** The request metadata carried by record headers: every header except the transport's own, keys lower-cased. */
export function metadataFromHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of headers) {
    const lower = metadataKey(key);
    if (lower !== null) out[lower] = value;
  }
  return out;
}

/** Headers for outgoing metadata, optionally without `authorization`. */
export function headersFromMetadata(metadata: Metadata, withAuthorization: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (value === undefined || isTransportHeader(key)) continue;
    if (!withAuthorization && key === 'authorization') continue;
    out[key] = value;
  }
  return out;
}

/** A header read as a non-negative integer; undefined when absent or not one. */
export function intHeader(headers: Headers, key: string): number | undefined {
  const value = headers.get(key);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

/** `text` cut to at most `max` characters. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** True for a JSON content type, or none (clients that omit it are trusted to send JSON). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const base = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return base === 'application/json';
}
