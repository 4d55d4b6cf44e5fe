import type { IncomingHttpHeaders } from 'node:http';
import { MetadataKey } from '@wharf/core/transport';
import { DEADLINE_HEADER } from './deadline.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the request: they never become
// metadata and are never forwarded. The deadline headers become the deadline instead.
const INBOUND_SKIP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  MetadataKey.timeout,
  DEADLINE_HEADER,
]);

// What a client must not copy from metadata: framing the HTTP client sets itself.
const OUTBOUND_SKIP = new Set([...INBOUND_SKIP, 'host', 'content-length', 'content-type', 'expect', 'accept']);

/**
 * Request headers as metadata: every header except hop-by-hop ones (and those the `Connection`
 * header names), with the accepted request id under `x-request-id`.
 */
export function metadataFromHeaders(headers: IncomingHttpHeaders, requestId: string): Record<string, string> {
  const out: Record<string, string> = {};
  const connection = headers.connection;
  const named =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(connection.toLowerCase().split(/\s*,\s*/));
  for (const key in headers) {
    if (INBOUND_SKIP.has(key) || named?.has(key)) continue;
    const value = headers[key];
    if (typeof value === 'string') out[key] = value;
    else if (value !== undefined) out[key] = value.join(', ');
  }
  out[MetadataKey.requestId] = requestId;
  return out;
}

/** Metadata as request headers for an outbound call. */
export function headersFromMetadata(metadata: Readonly<Record<string, string>>, into: Record<string, string>): void {
  for (const key in metadata) {
    const value = metadata[key];
    if (value === undefined || OUTBOUND_SKIP.has(key)) continue;
    into[key] = value;
  }
}
