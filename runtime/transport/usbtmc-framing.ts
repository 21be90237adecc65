/**
 * USBTMC 1.0 bulk framing and class request codes: the 12-byte headers of DEV_DEP_MSG_OUT and
 * REQUEST_DEV_DEP_MSG_IN (host to device) and DEV_DEP_MSG_IN (device to host), bTag sequencing, and the
 * abort/clear control requests. Pure functions, shared by the transport and the simulated device.
 *
 * @module
 */

/** Bulk message ids (USBTMC 1.0, table 2). */
export const MsgId = { DEV_DEP_MSG_OUT: 1, REQUEST_DEV_DEP_MSG_IN: 2, DEV_DEP_MSG_IN: 2 } as const;

/** Class-specific control requests (USBTMC 1.0, table 15). */
export const UsbTmcRequest = {
  INITIATE_ABORT_BULK_OUT: 1,
  CHECK_ABORT_BULK_OUT_STATUS: 2,
  INITIATE_ABORT_BULK_IN: 3,
  CHECK_ABORT_BULK_IN_STATUS: 4,
  INITIATE_CLEAR: 5,
  CHECK_CLEAR_STATUS: 6,
  GET_CAPABILITIES: 7,
} as const;

/** USBTMC_status values (USBTMC 1.0, table 16). */
export const UsbTmcStatus = {
  SUCCESS: 0x01,
  PENDING: 0x02,
  FAILED: 0x80,
  TRANSFER_NOT_IN_PROGRESS: 0x81,
  SPLIT_NOT_IN_PROGRESS: 0x82,
  SPLIT_IN_PROGRESS: 0x83,
} as const;

/** Size of every bulk header. */
export const HEADER_SIZE = 12;

/** A decoded bulk header. */
interface BulkHeader {
  readonly msgId: number;
  readonly bTag: number;
  readonly transferSize: number;
  /** bmTransferAttributes: bit 0 EOM (OUT and IN), bit 1 TermCharEnabled (request) / TermChar seen (IN). */
  readonly attributes: number;
  /** TermChar of a REQUEST_DEV_DEP_MSG_IN. */
  readonly termChar: number;
}

/** The next bTag after `bTag`: 1..255, never 0. */
export function nextBTag(bTag: number): number {
  return (bTag % 255) + 1;
}

function header(msgId: number, bTag: number, transferSize: number, attributes: number, termChar = 0): Buffer {
  const out = Buffer.alloc(HEADER_SIZE);
  out[0] = msgId;
  out[1] = bTag;
  out[2] = ~bTag & 0xff;
  out.writeUInt32LE(transferSize, 4);
  out[8] = attributes;
  out[9] = termChar;
  return out;
}

function padded(parts: Buffer[]): Buffer {
  const joined = Buffer.concat(parts);
  const pad = (4 - (joined.length % 4)) % 4;
  return pad === 0 ? joined : Buffer.concat([joined, Buffer.alloc(pad)]);
}

/** A DEV_DEP_MSG_OUT transfer carrying `data` (padded to 4 bytes); `eom` marks the message's last transfer. */
export function encodeDevDepMsgOut(bTag: number, data: Uint8Array, eom: boolean): Buffer {
  return padded([header(MsgId.DEV_DEP_MSG_OUT, bTag, data.length, eom ? 1 : 0), Buffer.from(data)]);
}

/** A REQUEST_DEV_DEP_MSG_IN asking for at most `maxSize` bytes, optionally ending at `termChar`. */
export function encodeRequestDevDepMsgIn(bTag: number, maxSize: number, termChar?: number): Buffer {
  return header(MsgId.REQUEST_DEV_DEP_MSG_IN, bTag, maxSize, termChar === undefined ? 0 : 2, termChar ?? 0);
}

/** A DEV_DEP_MSG_IN transfer (device side). */
export function encodeDevDepMsgIn(bTag: number, data: Uint8Array, eom: boolean): Buffer {
  return padded([header(MsgId.DEV_DEP_MSG_IN, bTag, data.length, eom ? 1 : 0), Buffer.from(data)]);
}

/** Decodes a bulk header, or returns a sentence saying what is wrong with it. */
export function decodeHeader(bytes: Uint8Array): BulkHeader | string {
  if (bytes.length < HEADER_SIZE) return `a bulk transfer of ${bytes.length} bytes is shorter than the 12-byte USBTMC header`;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bTag = buffer[1]!;
  if (buffer[2] !== (~bTag & 0xff)) return `bTagInverse 0x${buffer[2]!.toString(16)} does not match bTag ${bTag}`;
  return {
    msgId: buffer[0]!,
    bTag,
    transferSize: buffer.readUInt32LE(4),
    attributes: buffer[8]!,
    termChar: buffer[9]!,
  };
}
