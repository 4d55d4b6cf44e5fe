// The encoded KeyValues of attributes that recur from span to span. A service's spans carry the
// same few pairs over and over (`rpc.system: "grpc"`, `rpc.method: "Greet"`, `http.response.status_code: 200`):
// encoding one is a dozen writes and two copies of its strings, finding it again two map reads and
// one copy. Bounded, so that attributes with a new value on every span (ids, client ports) cost
// two map reads and no memory.
import { ProtoWriter } from './proto-writer.js';

/** Keys remembered at most: beyond them, pairs are encoded every time. */
const MAX_KEYS = 256;
/** Values remembered per key: a key with more (a request id) has its further values encoded every time. */
const MAX_VALUES_PER_KEY = 32;
/** Longer strings are encoded every time: they are seldom the same twice. */
const MAX_STRING_LENGTH = 128;

/**
 * KeyValues of strings, booleans and safe integers, encoded once by `encode` into a
 * length-delimited message (its length in front) and kept.
 */
export class KeyValueCache {
  readonly #byKey = new Map<string, Map<string | number | boolean, Uint8Array>>();
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
      if (this.#byKey.size >= MAX_KEYS) return undefined;
      values = new Map();
      this.#byKey.set(key, values);
    }
    let bytes = values.get(value);
    if (bytes === undefined && values.size < MAX_VALUES_PER_KEY) {
      bytes = this.#encoded(key, value);
      values.set(value, bytes);
    }
    return bytes;
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
