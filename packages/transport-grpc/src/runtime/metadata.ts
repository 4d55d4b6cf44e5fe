// Wharf metadata (lower-case string keys, string values) ↔ gRPC metadata. Binary (`-bin`) values
// appear in ctx.metadata as standard base64, several values joined by `,`; a `-bin` key given as
// a string is read as base64 on the way out, so a binary value round-trips unchanged. The values
// exactly as sent (bytes, every value of a repeated key) are one call away: grpcMetadata(ctx)
// (exact-metadata.ts).

import { Metadata } from '@grpc/grpc-js';
import { MetadataKey, type Metadata as WharfMetadata } from '@wharf/core/transport';

// Keys grpc-js manages itself, or that would confuse an HTTP/2 peer.
function reserved(key: string): boolean {
  return key.startsWith('grpc-') || key.startsWith(':') || key === 'content-type' || key === 'te' || key === 'user-agent';
}

/** The inbound metadata of a call exactly as sent: every value of each key, bytes for `-bin` keys. */
export interface GrpcMetadataValues {
  /** Every value of a text key, in the order sent; empty when absent. */
  text(key: string): readonly string[];
  /** Every value of a `-bin` key, as bytes, in the order sent; empty when absent. */
  binary(key: string): readonly Uint8Array[];
  /** The keys sent (lower-case), `-bin` keys included. */
  keys(): readonly string[];
}

/** The exact view of a call's metadata, from grpc-js's own Metadata (read only when a handler asks). */
export function metadataValues(metadata: Metadata): GrpcMetadataValues {
  return {
    text: (key) => {
      const k = key.toLowerCase();
      return k.endsWith('-bin') ? [] : metadata.get(k).map(String);
    },
    binary: (key) => {
      const k = key.toLowerCase();
      return k.endsWith('-bin') ? metadata.get(k).filter((v): v is Buffer => Buffer.isBuffer(v)) : [];
    },
    keys: () => Object.keys(metadata.getMap()),
  };
}

/** Request metadata as handlers see it (`ctx.metadata`). */
export function fromGrpc(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  const all = metadata.toJSON();
  for (const key of Object.keys(all)) {
    const values = all[key] as (string | Buffer)[];
    if (values.length === 0 || key === MetadataKey.deadline) continue; // it becomes the deadline instead
    if (key.endsWith('-bin')) out[key] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v))).join(',');
    else out[key] = values.length === 1 ? String(values[0]) : values.join(', ');
  }
  return out;
}

/** gRPC metadata for an outbound call; throws a TypeError naming a key or value gRPC cannot carry. */
export function toGrpc(metadata: WharfMetadata): Metadata {
  const out = new Metadata();
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (value === undefined || reserved(key)) continue;
    addEntry(out, key, value, 'metadata');
  }
  return out;
}

/** Adds one entry, bytes for `-bin` keys; throws a TypeError that says what to do. */
export function addEntry(target: Metadata, key: string, value: string | Uint8Array, what: string): void {
  const k = key.toLowerCase();
  if (reserved(k)) throw new TypeError(`${what} key "${key}" is reserved by gRPC; use another name`);
  if (!/^[0-9a-z_.-]+$/.test(k)) {
    throw new TypeError(`${what} key "${key}" is invalid: gRPC keys hold only a-z, 0-9, '_', '.' and '-'`);
  }
  if (k.endsWith('-bin')) {
    const bytes =
      typeof value === 'string'
        ? value.split(',').map((part) => Buffer.from(part, 'base64'))
        : [Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
    for (const b of bytes) target.add(k, b);
    return;
  }
  if (typeof value !== 'string') {
    throw new TypeError(`${what} "${key}" has a binary value; binary values need a key ending in "-bin"`);
  }
  if (!/^[\x20-\x7E]*$/.test(value)) {
    throw new TypeError(
      `${what} "${key}" has a value gRPC cannot carry: only printable ASCII; use a "-bin" key for anything else`,
    );
  }
  target.add(k, value);
}
