// The encoded KeyValues of attributes that recur from span to span. A service's spans carry the
// same few pairs over and over (`rpc.system: "grpc"`, `rpc.method: "Greet"`, `http.response.status_code: 200`):
// encoding one is a dozen writes and two copies of its strings, finding it again two map reads and
// one copy. Bounded, so that attributes with a new value on every span (ids, client ports) cost
// no memory, and soon no more than one map read.
import { ProtoWriter } from './proto-writer.js';

/** Keys remembered at most: beyond them, pairs are encoded every time. */
const MAX_KEYS = 256;
/** Values remembered per key: a key with more (a request id) has its further values encoded every time. */
const MAX_VALUES_PER_KEY = 32;
/**
 * Longer strings, as values or as keys, are encoded every time: they are seldom the same twice,
 * and a key's bytes are in each of its values' (32 copies of a key of any length would make the
 * bound on entries no bound on bytes).
 */
const MAX_STRING_LENGTH = 128;
/**
 * A key whose values are all kept and whose lookups then miss more often than they hit (a
 * request id, a client port) is no longer looked up once the misses outweigh the hits by this
 * much: finding a fresh string in a map hashes it, which costs about as much as encoding it.
 */
const MAX_MISSES = 256;

const encoder = new TextEncoder();
// ignoreBOM: a value starting with U+FEFF keeps it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

interface Values {
  /** The kept values' KeyValues; undefined once the key has given up. */
  kept: Map<string | number | boolean, Uint8Array> | undefined;
  /** Misses less hits since the key's values were all kept, never below 0. */
  misses: number;
}

/**
 * KeyValues of strings, booleans and safe integers, encoded once by `encode` into a
 * length-delimited message (its length in front) and kept.
 */
export class KeyValueCache {
  readonly #byKey = new Map<string, Values>();
  readonly #scratch = new ProtoWriter(256);
  readonly #encode: (w: ProtoWriter, key: string, value: unknown) => void;

  constructor(encode: (w: ProtoWriter, key: string, value: unknown) => void) {
    this.#encode = encode;
  }

  /** The KeyValue's bytes with their length in front, or undefined when they are not kept. */
  get(key: string, value: unknown): Uint8Array | undefined {
    switch (typeof value) {
      case 'string':
        if (value.length > MAX_STRING_LENGTH) return undefined;
        break;
      case 'number':
        // Doubles are written as they are, bit for bit (a NaN's too): only integers are kept.
        if (!Number.isSafeInteger(value)) return undefined;
        break;
      case 'boolean':
        break;
      default:
        return undefined;
    }
    let values = this.#byKey.get(key);
    if (values === undefined) {
      if (key.length > MAX_STRING_LENGTH || this.#byKey.size >= MAX_KEYS) return undefined;
      values = { kept: new Map(), misses: 0 };
      this.#byKey.set(key, values);
    }
    const kept = values.kept;
    if (kept === undefined) return undefined;
    let bytes = kept.get(value);
    if (bytes !== undefined) {
      if (values.misses > 0) values.misses--;
      return bytes;
    }
    if (kept.size < MAX_VALUES_PER_KEY) {
      bytes = this.#encoded(key, value);
      const own = typeof value === 'string' ? ownCopy(value) : value;
      // A string with a lone surrogate encodes as U+FFFD: its copy is another string, not kept.
      if (own === value) kept.set(own, bytes);
      return bytes;
    }
    if (++values.misses >= MAX_MISSES) values.kept = undefined;
    return undefined;
  }

  #encoded(key: string, value: unknown): Uint8Array {
    const w = this.#scratch;
    w.pos = 0;
    const at = w.begin(1);
    this.#encode(w, key, value);
    w.end(at, 1);
    return w.finish();
  }
}

/**
 * The string's characters in a string of their own. A value cut from a longer string (as
 * attributeValueLengthLimit truncates one, with slice or substring) can share that string's
 * characters, and the map keeping it would keep the whole of that string as long as the process.
 */
function ownCopy(value: string): string {
  return decoder.decode(encoder.encode(value));
}
