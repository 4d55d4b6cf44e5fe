import type { Metadata } from '@wharf/core/transport';

// Headers that carry transport or broker state, never request metadata.
function isTransportHeader(key: string): boolean {
  return (
    key.startsWith('x-wharf-') ||
    key.startsWith('wharf-') ||
    key === 'x-death' ||
    key.startsWith('x-first-death-') ||
    key.startsWith('x-last-death-') ||
    key === 'x-delivery-count'
  );
}

/**
 * The request metadata carried by AMQP headers: every string header except the transport's own,
 * keys lower-cased, and numeric ones as decimal strings (clients in other languages send integer
 * headers as AMQP integers); other types (tables, arrays, bytes, booleans) are not metadata.
 */
export function metadataFromHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    let text: string;
    if (typeof value === 'string') text = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') text = String(value);
    else continue;
    const lower = key.toLowerCase();
    if (!isTransportHeader(lower)) out[lower] = text;
  }
  return out;
}

/** Headers for outgoing metadata, optionally without `authorization`. */
export function headersFromMetadata(metadata: Metadata, withAuthorization = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (value === undefined || isTransportHeader(key)) continue;
    if (!withAuthorization && key === 'authorization') continue;
    out[key] = value;
  }
  return out;
}

/** A header read as a non-negative integer (numbers, decimal strings); undefined otherwise. */
export function intHeader(headers: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = headers?.[key];
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

/** A header read as a string; undefined when absent or not a string. */
export function stringHeader(headers: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = headers?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** `text` cut to at most `max` characters (headers share the 64 KiB frame-table budget). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** True for a JSON content type (or none: clients that omit it are trusted to send JSON). */
export function isJsonContentType(contentType: unknown): boolean {
  if (contentType === undefined || contentType === null || contentType === '') return true;
  if (typeof contentType !== 'string') return false;
  const base = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return base === 'application/json';
}
