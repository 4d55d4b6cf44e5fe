import { isUtf8 } from 'node:buffer';
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeep } from '@wharf/core/transport';

/** A message body parsed as JSON, or why it cannot be. */
export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly why: string };

/**
 * Parses a message body as JSON: refused when it nests deeper than 64 levels (checked on the bytes
 * first: JSON.parse takes hundreds of ms of the consumer's event loop for a megabyte of `[[[…]]]`)
 * or is not UTF-8 (instead of reading invalid bytes as U+FFFD), and when it is not JSON.
 */
export function parseJsonBody(content: Buffer): JsonBody {
  if (jsonTooDeep(content)) {
    return { ok: false, why: `nests JSON deeper than ${DEFAULT_MAX_JSON_DEPTH} levels; flatten it` };
  }
  if (!isUtf8(content)) return { ok: false, why: 'is not valid UTF-8' };
  try {
    return { ok: true, value: JSON.parse(content.toString('utf8')) };
  } catch (error) {
    return { ok: false, why: `is not valid JSON: ${(error as Error).message}` };
  }
}
