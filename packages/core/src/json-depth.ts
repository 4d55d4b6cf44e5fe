// How deep JSON text nests, counted on the bytes as they arrive: V8's JSON.parse spends hundreds
// of milliseconds of main-thread time on a megabyte of `[[[…]]]`, so a body that nests too deep
// must be refused before it is parsed. One pass over bytes the transport already holds, with no
// tokenising: only brackets outside strings count (UTF-8 continuation bytes are never ASCII).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** The nesting depth transports accept in JSON by default, as .NET's System.Text.Json does. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Follows the nesting of JSON text fed in chunks (a body as it arrives) and says as soon as it
 * passes `maxDepth`. It does not validate the JSON: the parser still does that, on text now known
 * to be shallow enough to parse in time linear in its size.
 */
export class JsonDepthGuard {
  readonly maxDepth: number;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(maxDepth: number = DEFAULT_MAX_JSON_DEPTH) {
    this.maxDepth = maxDepth;
  }

  /** Feeds the next bytes; false once the text nests deeper than `maxDepth` (and ever after). */
  feed(bytes: Uint8Array): boolean {
    if (this.#depth > this.maxDepth) return false;
    const max = this.maxDepth;
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if (++depth > max) {
          this.#depth = depth;
          return false;
        }
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        depth--;
      }
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return true;
  }
}

/** True when the JSON text in `bytes` nests deeper than `maxDepth`. */
export function jsonTooDeep(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): boolean {
  return !new JsonDepthGuard(maxDepth).feed(bytes);
}
