/**
 * The discovery packets: small, versioned, validated. Every packet is
 *
 * ```text
 * "QMTS"  version=1 (u8)  type (u8)  request id (8 bytes)  fields...
 * ```
 *
 * with strings as a length byte (at most {@link MAX_TEXT_BYTES}) and UTF-8 bytes, numbers big-endian. A query
 * (type 1) carries a workgroup pattern and a context-name pattern; an answer (type 2) carries the context's name,
 * workgroup, host, TCP port and pid. There is no other packet type: no command (QMI's "kill") exists, so none can
 * be acted on. {@link decodePacket} returns undefined for anything else: foreign, truncated, oversized or
 * trailing bytes, another version, invalid text. It reads at most {@link MAX_PACKET_BYTES} bytes, so a packet
 * costs little to refuse; what it returns is bounded (texts of at most {@link MAX_TEXT_BYTES} bytes, an 8-byte
 * request id, a port in [1, 65535], a 32-bit pid) but not otherwise trusted: an answer's names and host are
 * checked before use (`answer-check.ts`).
 *
 * @module
 */

/** First bytes of every packet (differs from QMI's `QMI\0`, whose packets are ignored). */
const MAGIC = Buffer.from("QMTS", "ascii");
/** The protocol version; packets of other versions are ignored. */
const VERSION = 1;
/** Longest string field, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 128;
/** Longest valid packet (an answer with three texts of the longest length); anything longer is refused unread. */
export const MAX_PACKET_BYTES = 4 + 1 + 1 + 8 + 3 * (1 + MAX_TEXT_BYTES) + 2 + 4;

/** "Which contexts of workgroups matching `workgroup` have names matching `contextName`?" (`*`, `?` wildcards). */
export interface DiscoveryQuery {
  readonly type: "query";
  /** 8 random bytes, echoed by answers. */
  readonly requestId: Buffer;
  readonly workgroup: string;
  readonly contextName: string;
}

/** One context's answer to a query. */
export interface DiscoveryAnswer {
  readonly type: "answer";
  readonly requestId: Buffer;
  readonly name: string;
  readonly workgroup: string;
  /** The host the context's server binds; empty when it binds all interfaces (use the packet's source). */
  readonly host: string;
  readonly port: number;
  readonly pid: number;
}

/** A discovery packet. */
export type DiscoveryPacket = DiscoveryQuery | DiscoveryAnswer;

const TYPE_QUERY = 1;
const TYPE_ANSWER = 2;

/** Encodes a packet; fails if a string is longer than {@link MAX_TEXT_BYTES}. */
export function encodePacket(packet: DiscoveryPacket): Buffer {
  const header = Buffer.alloc(6);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 4);
  header.writeUInt8(packet.type === "query" ? TYPE_QUERY : TYPE_ANSWER, 5);
  if (packet.requestId.length !== 8) throw new RangeError("A discovery request id has 8 bytes");
  const parts = [header, packet.requestId];
  if (packet.type === "query") {
    parts.push(text(packet.workgroup), text(packet.contextName));
  } else {
    const numbers = Buffer.alloc(6);
    numbers.writeUInt16BE(packet.port, 0);
    numbers.writeUInt32BE(packet.pid, 2);
    parts.push(text(packet.name), text(packet.workgroup), text(packet.host), numbers);
  }
  return Buffer.concat(parts);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > MAX_TEXT_BYTES) throw new RangeError(`A discovery text field has at most ${MAX_TEXT_BYTES} bytes: ${value}`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** Decodes a packet, or returns undefined when `data` is not a valid packet of this version. */
export function decodePacket(data: Buffer): DiscoveryPacket | undefined {
  if (data.length > MAX_PACKET_BYTES) return undefined;
  const reader = new Reader(data);
  const magic = reader.bytes(4);
  if (!magic?.equals(MAGIC) || reader.u8() !== VERSION) return undefined;
  const type = reader.u8();
  const requestId = reader.bytes(8);
  if (!requestId) return undefined;
  let packet: DiscoveryPacket | undefined;
  if (type === TYPE_QUERY) {
    const workgroup = reader.text();
    const contextName = reader.text();
    if (workgroup !== undefined && contextName !== undefined) packet = { type: "query", requestId, workgroup, contextName };
  } else if (type === TYPE_ANSWER) {
    const name = reader.text();
    const workgroup = reader.text();
    const host = reader.text();
    const port = reader.u16();
    const pid = reader.u32();
    if (name && workgroup !== undefined && host !== undefined && port && pid !== undefined) {
      packet = { type: "answer", requestId, name, workgroup, host, port, pid };
    }
  }
  return packet && reader.atEnd() ? packet : undefined;
}

// Fatal: invalid UTF-8 is refused rather than replaced. ignoreBOM keeps a leading U+FEFF in the text, so a
// decoded packet encodes back to the same bytes.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads fields, returning undefined past the end. */
class Reader {
  #offset = 0;
  #failed = false;
  constructor(private readonly data: Buffer) {}

  bytes(n: number): Buffer | undefined {
    if (this.#failed || this.#offset + n > this.data.length) return this.#fail();
    const out = Buffer.from(this.data.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return out;
  }
  u8(): number | undefined {
    return this.bytes(1)?.readUInt8(0);
  }
  u16(): number | undefined {
    return this.bytes(2)?.readUInt16BE(0);
  }
  u32(): number | undefined {
    return this.bytes(4)?.readUInt32BE(0);
  }
  text(): string | undefined {
    const length = this.u8();
    if (length === undefined || length > MAX_TEXT_BYTES) return this.#fail();
    const bytes = this.bytes(length);
    if (!bytes) return undefined;
    try {
      return utf8.decode(bytes);
    } catch {
      return this.#fail();
    }
  }
  atEnd(): boolean {
    return !this.#failed && this.#offset === this.data.length;
  }
  #fail(): undefined {
    this.#failed = true;
    return undefined;
  }
}
