// The protobuf wire primitives the OTLP span encoder needs, written in one pass: a nested
// message's length is written in front of it once it is known, its bytes moved when the length
// takes another number of bytes than was reserved (OpenTelemetry's own writer sizes every
// message in a first pass, which doubles the work).

const encoder = new TextEncoder();

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** A growable buffer of protobuf fields. */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(size = 16 * 1024) {
    this.buf = new Uint8Array(size);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + bytes));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** A field's key (field number and wire type): 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /**
   * An integer as a varint, as OpenTelemetry's writer writes one: below 2^32 in a fast loop;
   * anything else (larger, negative — ten bytes of two's complement, as an int64 —, NaN) in 64 bits.
   */
  varint(value: number): void {
    if (!(value >= 0 && value <= 0xffffffff)) {
      this.#varint64(value);
      return;
    }
    this.ensure(5);
    const buf = this.buf;
    let v = value >>> 0;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  #varint64(value: number): void {
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.ensure(10);
    while (high > 0 || low > 0x7f) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    const buf = this.buf;
    const v = value >>> 0;
    buf[this.pos++] = v & 0xff;
    buf[this.pos++] = (v >>> 8) & 0xff;
    buf[this.pos++] = (v >>> 16) & 0xff;
    buf[this.pos++] = v >>> 24;
  }

  fixed64(low: number, high: number): void {
    this.fixed32(low);
    this.fixed32(high);
  }

  double(value: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, value, true);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  /** Bytes as they are: an encoding made earlier. */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A length-delimited UTF-8 string; ASCII (nearly every span's) copied code by code, in one pass. */
  string(value: string): void {
    // Untyped code can name a span with a number: OpenTelemetry's writer makes that an empty
    // string (and throws for null, as reading `length` here does), so one odd span does not cost
    // the others in its request.
    if (typeof value !== 'string' && (value as { length?: number }).length === undefined) value = '';
    const length = value.length;
    const start = this.pos;
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0x7f) {
        this.pos = start;
        this.bytes(encoder.encode(value));
        return;
      }
      buf[pos++] = code;
    }
    this.pos = pos;
  }

  /** `hex` (an id: 32 or 16 hex digits) as length-delimited bytes, two digits to a byte. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 2 * length; i += 2) {
      const high = hex.charCodeAt(i);
      const low = hex.charCodeAt(i + 1);
      buf[pos++] = (high | low) < 0x80 ? (HEX_PAIRS[(high << 7) | low] as number) : (nibble(high) << 4) | nibble(low);
    }
    this.pos = pos;
  }

  /** Starts a nested message, reserving `reserve` bytes for its length; `end` writes it. */
  begin(reserve: number): number {
    this.ensure(reserve);
    this.pos += reserve;
    return this.pos - reserve;
  }

  /** Ends the message `begin` started at `start` with `reserve` bytes: its length goes in front. */
  end(start: number, reserve: number): void {
    const length = this.pos - start - reserve;
    const size = varintSize(length);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(start + size, start + reserve, this.pos);
      this.pos += size - reserve;
    }
    const end = this.pos;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  /** The bytes written, as their own copy (the buffer is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

// A character code's value as a hex digit exactly as hexToBinary reads it, non-hex characters
// included (code - 55, the byte then keeping its low 8 bits), so malformed ids give the same bytes.
function nibble(code: number): number {
  return code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code - 55;
}

// The byte of every pair of ASCII characters as `nibble` makes it, read with one index instead of
// four branches per byte that random ids' digits (0–9 or a–f, unpredictably) make the CPU mispredict.
const HEX_PAIRS = new Uint8Array(128 * 128);
for (let high = 0; high < 128; high++)
  for (let low = 0; low < 128; low++) HEX_PAIRS[(high << 7) | low] = (nibble(high) << 4) | nibble(low);
