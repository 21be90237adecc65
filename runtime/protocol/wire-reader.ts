/**
 * A bounds-checked reader of the protobuf wire format, for the codec (`codec.ts`): tags, varints, fixed-width
 * numbers and length-delimited spans of one Buffer. Anything that runs past its end, a varint longer than 10 bytes,
 * a wire type 6 or 7, or a group without its end throws a {@link WireFormatError}; nothing is copied.
 *
 * @module
 */
import { WireFormatError } from "./strict-wire.ts";

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const START_GROUP = 3;
export const FIXED32 = 5;

/** How deep unknown groups may nest. */
const MAX_GROUP_DEPTH = 100;

/** Reads one message (or a span of it) from `pos` to `end`. */
export class WireReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  /** The low 32 bits of a varint, unsigned. */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.end) throw new WireFormatError("ends inside a varint");
      if (shift > 63) throw new WireFormatError("has a varint longer than 10 bytes");
      const byte = buf[pos++]!;
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    this.pos = pos;
    return value >>> 0;
  }

  /** A varint as a signed 32-bit integer (the low 32 bits, as protobuf reads an `int32`). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** A varint as an unsigned 64-bit bigint. */
  uint64(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let low = 0;
    let high = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.end) throw new WireFormatError("ends inside a varint");
      if (shift > 63) throw new WireFormatError("has a varint longer than 10 bytes");
      const byte = buf[pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= bits << 28;
        high |= bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) break;
    }
    this.pos = pos;
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }

  double(): number {
    this.#need(8);
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  float(): number {
    this.#need(4);
    const value = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return value;
  }

  /** A length-delimited field's payload: its start; the reader moves past it. */
  span(): { readonly start: number; readonly end: number } {
    const length = this.uint32();
    const start = this.pos;
    if (length > this.end - start) throw new WireFormatError(`is cut short: ${length} bytes announced, ${this.end - start} left`);
    this.pos = start + length;
    return { start, end: this.pos };
  }

  /** Skips a field of wire type `wireType` (an unknown field); `tag` is needed for a group. */
  skip(wireType: number, tag = 0, depth = 0): void {
    switch (wireType) {
      case VARINT:
        this.uint32();
        return;
      case FIXED64:
        this.#need(8);
        this.pos += 8;
        return;
      case LENGTH_DELIMITED:
        this.span();
        return;
      case FIXED32:
        this.#need(4);
        this.pos += 4;
        return;
      case START_GROUP:
        if (depth >= MAX_GROUP_DEPTH) throw new WireFormatError(`nests groups deeper than ${MAX_GROUP_DEPTH}`);
        for (;;) {
          if (this.pos >= this.end) throw new WireFormatError(`has a group (field ${tag >>> 3}) without its end`);
          const inner = this.uint32();
          if ((inner & 7) === 4) {
            if (inner >>> 3 !== tag >>> 3) throw new WireFormatError(`ends group ${tag >>> 3} with the end of group ${inner >>> 3}`);
            return;
          }
          this.skip(inner & 7, inner, depth + 1);
        }
      default:
        throw new WireFormatError(`has wire type ${wireType}, which carries no field of qmi-ts`);
    }
  }

  #need(bytes: number): void {
    if (this.end - this.pos < bytes) throw new WireFormatError(`ends inside a ${bytes * 8}-bit value`);
  }
}

/** How deep {@link bulkPayloadStart} looks into nested messages, and how many of the first bytes it reads. */
const BULK_SEARCH_DEPTH = 4;
const BULK_SEARCH_BYTES = 4096;

/**
 * Where the payload of a message's bulk field probably starts, judged from the message's first bytes `head` and its
 * length `total`: the length-delimited field holding at least half the message, followed into nested messages
 * while one of their fields does too (a trace inside a message). 0 when there is none within the first
 * {@link BULK_SEARCH_BYTES} bytes (a part from anyone costs little to look at), or the bytes do not parse; a wrong
 * guess only costs the reader a copy (see `lendMessageBuffer`).
 */
export function bulkPayloadStart(head: Buffer, total: number): number {
  let found = 0;
  let end = total;
  const r = new WireReader(head, 0, Math.min(head.length, total, BULK_SEARCH_BYTES));
  try {
    for (let depth = 0; depth < BULK_SEARCH_DEPTH && r.pos < r.end; ) {
      const wireType = r.uint32() & 7;
      if (wireType !== LENGTH_DELIMITED) {
        r.skip(wireType);
        continue;
      }
      const length = r.uint32();
      const start = r.pos;
      if (start + length > end) return found;
      if (2 * length < total) {
        if (start + length > r.end) return found; // it runs past the head: nothing more to see
        r.pos = start + length;
        continue;
      }
      found = start;
      end = start + length;
      depth++;
    }
  } catch {
    // a head cut inside a field, or bytes that are not protobuf: keep what was found
  }
  return found;
}
