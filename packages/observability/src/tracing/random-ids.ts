import { randomFillSync } from 'node:crypto';
import type { tracing } from '@opentelemetry/sdk-node';

// Random words drawn from the OS a pool at a time, each nibble's hex digit looked up, the id made
// as one flat string by String.fromCharCode: the SDK's RandomIdGenerator calls Math.random per word
// and formats through a Buffer, ~0.9 µs for a root span's two ids against ~0.25 µs here, and its
// ids are not cryptographically random. (Concatenated pieces would make a rope of small strings
// per id, which lives as long as its span waits in the export queue: more for the collector.)
const WORDS = 2048;
const pool = new Uint32Array(WORDS);
let next = WORDS;
const DIGITS = new Uint8Array(16).map((_, nibble) => nibble.toString(16).charCodeAt(0));
const chars = String.fromCharCode;

function word(): number {
  if (next === WORDS) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++] as number;
}

/** The 16 hex digits of two words. */
function hex64(a: number, b: number): string {
  const d = DIGITS;
  return chars(
    d[a >>> 28] as number,
    d[(a >>> 24) & 15] as number,
    d[(a >>> 20) & 15] as number,
    d[(a >>> 16) & 15] as number,
    d[(a >>> 12) & 15] as number,
    d[(a >>> 8) & 15] as number,
    d[(a >>> 4) & 15] as number,
    d[a & 15] as number,
    d[b >>> 28] as number,
    d[(b >>> 24) & 15] as number,
    d[(b >>> 20) & 15] as number,
    d[(b >>> 16) & 15] as number,
    d[(b >>> 12) & 15] as number,
    d[(b >>> 8) & 15] as number,
    d[(b >>> 4) & 15] as number,
    d[b & 15] as number,
  );
}

/** The 32 hex digits of four words. */
function hex128(a: number, b: number, c: number, e: number): string {
  const d = DIGITS;
  return chars(
    d[a >>> 28] as number,
    d[(a >>> 24) & 15] as number,
    d[(a >>> 20) & 15] as number,
    d[(a >>> 16) & 15] as number,
    d[(a >>> 12) & 15] as number,
    d[(a >>> 8) & 15] as number,
    d[(a >>> 4) & 15] as number,
    d[a & 15] as number,
    d[b >>> 28] as number,
    d[(b >>> 24) & 15] as number,
    d[(b >>> 20) & 15] as number,
    d[(b >>> 16) & 15] as number,
    d[(b >>> 12) & 15] as number,
    d[(b >>> 8) & 15] as number,
    d[(b >>> 4) & 15] as number,
    d[b & 15] as number,
    d[c >>> 28] as number,
    d[(c >>> 24) & 15] as number,
    d[(c >>> 20) & 15] as number,
    d[(c >>> 16) & 15] as number,
    d[(c >>> 12) & 15] as number,
    d[(c >>> 8) & 15] as number,
    d[(c >>> 4) & 15] as number,
    d[c & 15] as number,
    d[e >>> 28] as number,
    d[(e >>> 24) & 15] as number,
    d[(e >>> 20) & 15] as number,
    d[(e >>> 16) & 15] as number,
    d[(e >>> 12) & 15] as number,
    d[(e >>> 8) & 15] as number,
    d[(e >>> 4) & 15] as number,
    d[e & 15] as number,
  );
}

/** Random W3C ids (lower-case hex, never all zeros), as the SDK's default generator makes them. */
export const randomIds: tracing.IdGenerator = {
  generateTraceId(): string {
    let a: number;
    let b: number;
    let c: number;
    let d: number;
    do {
      a = word();
      b = word();
      c = word();
      d = word();
    } while ((a | b | c | d) === 0);
    // One flat string of 32: two of 16 joined would be a rope again.
    return hex128(a, b, c, d);
  },
  generateSpanId(): string {
    let a: number;
    let b: number;
    do {
      a = word();
      b = word();
    } while ((a | b) === 0);
    return hex64(a, b);
  },
};

/**
 * The SDK's default generator as the SDK makes it: a `RandomIdGenerator` whose two functions are
 * still the ones it was built with (sdk-trace makes them per instance, as `generateId` closures
 * over Math.random). An instance whose functions an app replaced, or an app's own class of that
 * name, is not.
 */
function isSdkDefault(configured: tracing.IdGenerator): boolean {
  if (configured.constructor?.name !== 'RandomIdGenerator') return false;
  const keys = Object.keys(configured);
  if (keys.length !== 2 || !keys.includes('generateTraceId') || !keys.includes('generateSpanId')) return false;
  for (const make of [configured.generateTraceId, configured.generateSpanId]) {
    if (typeof make !== 'function' || make.name !== 'generateId' || !String(make).includes('Math.random')) return false;
  }
  return true;
}

/**
 * The generator to make ids with: ours in place of the SDK's default `RandomIdGenerator` (the same
 * kind of ids, faster); any other one (X-Ray's, an app's, a test's) as configured.
 */
export function idsFor(configured: tracing.IdGenerator): tracing.IdGenerator {
  return isSdkDefault(configured) ? randomIds : configured;
}
