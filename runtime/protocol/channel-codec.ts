/**
 * The messages of `qmi.core.Channel` (`idl/qmi/core/channel.proto`), read and written with protobufjs directly.
 *
 * The generated services go through `@grpc/proto-loader`, which turns every message into a plain object and
 * back (`toObject` / `fromObject`) on top of decoding and encoding it. The channel's envelopes are read and
 * written once per batch by qmi-ts alone, so they skip that step: a decoded message keeps its fields on the
 * message (absent ones read as the proto3 defaults), and plain objects are encoded as they are.
 *
 * Decoding is strict, as for every request (`strict-wire.ts`): an envelope that is not exactly a `ChannelCalls`
 * (or `ChannelAnswers`) message, e.g. a `request` cut short, which protobufjs would read as the bytes present,
 * throws. The requests inside are checked by their own RPC's deserializer when each call is served.
 *
 * @module
 */
import { join } from "node:path";
import protobuf from "protobufjs";
import { IDL_ROOT } from "./proto-files.ts";
import { checkWire, wireSchemaOf, type WireSchema } from "./strict-wire.ts";
import { CHANNEL_PROTO, CHANNEL_SERVICE } from "./core-services.ts";
import { bufferOf } from "./typed-arrays.ts";

/** The path of the channel's one RPC. */
export const EXCHANGE_PATH = `/${CHANNEL_SERVICE}/Exchange`;

/** One call (or the cancellation of one, `cancel`), as `ChannelCall` defines it. */
export interface ChannelCall {
  readonly id: number;
  readonly path?: string;
  readonly request?: Uint8Array;
  readonly object?: string;
  readonly lock_token?: string;
  readonly lease_id?: string;
  readonly timeout_ms?: number;
  readonly cancel?: boolean;
  readonly cancellable?: boolean;
  /** The caller's deadline, ms since the epoch on its clock (see `caller-clock.ts`). */
  readonly deadline_ms?: number;
  /** More parts of this request follow (see `channel-parts.ts`). */
  readonly more?: boolean;
  /** On the first of several parts: the size of the whole request. */
  readonly total_bytes?: number;
}

/** A `ChannelCalls` message: calls, and the sender's clock when it wrote them (ms since the epoch, 0 = none). */
export interface ChannelBatch {
  readonly calls: readonly ChannelCall[];
  readonly clock_ms?: number;
}

/** One answer, as `ChannelAnswer` defines it: a response (`code` 0) or a failure. */
export interface ChannelAnswer {
  readonly id: number;
  readonly response?: Uint8Array;
  readonly code?: number;
  readonly message?: string;
  readonly error_class?: string;
  /** More parts of this answer follow (see `channel-parts.ts`). */
  readonly more?: boolean;
  /** On the first of several parts: the size of the whole response. */
  readonly total_bytes?: number;
}

interface ChannelTypes {
  readonly calls: protobuf.Type;
  readonly answers: protobuf.Type;
  readonly call: protobuf.Type;
  readonly answer: protobuf.Type;
  readonly callsSchema: WireSchema;
  readonly answersSchema: WireSchema;
}

let types: ChannelTypes | undefined;

function channelTypes(): ChannelTypes {
  if (!types) {
    const root = new protobuf.Root().loadSync(join(IDL_ROOT, CHANNEL_PROTO), { keepCase: true });
    const calls = root.lookupType("qmi.core.ChannelCalls");
    const answers = root.lookupType("qmi.core.ChannelAnswers");
    const call = root.lookupType("qmi.core.ChannelCall");
    const answer = root.lookupType("qmi.core.ChannelAnswer");
    root.resolveAll();
    types = { calls, answers, call, answer, callsSchema: wireSchemaOf(calls), answersSchema: wireSchemaOf(answers) };
  }
  return types;
}

const EMPTY = Buffer.alloc(0);

/** A `bytes` field as a Buffer (without copying); an absent one, which protobufjs reads as `[]`, is empty. */
export function bytesOf(bytes: Uint8Array | undefined): Buffer {
  return bytes === undefined || bytes.length === 0 ? EMPTY : bufferOf(bytes);
}

/** A `ChannelCalls` message holding `calls`, stamped with the sender's clock `clockMs` (0: none). */
export function encodeCalls(calls: readonly ChannelCall[], clockMs = 0): Buffer {
  const { calls: type } = channelTypes();
  return bytesOf(type.encode(clockMs === 0 ? { calls } : { calls, clock_ms: clockMs }).finish());
}

/** A `ChannelCalls` message; throws when `bytes` is not exactly one. */
export function decodeCalls(bytes: Uint8Array): ChannelBatch {
  const { calls: type, callsSchema } = channelTypes();
  checkWire(callsSchema, bytes);
  return type.decode(bytes) as unknown as ChannelBatch;
}

/** A `ChannelAnswers` message holding `answers`. */
export function encodeAnswers(answers: readonly ChannelAnswer[]): Buffer {
  const { answers: type } = channelTypes();
  return bytesOf(type.encode({ answers }).finish());
}

/** The answers of a `ChannelAnswers` message; throws when `bytes` is not exactly one. */
export function decodeAnswers(bytes: Uint8Array): readonly ChannelAnswer[] {
  const { answers: type, answersSchema } = channelTypes();
  checkWire(answersSchema, bytes);
  return (type.decode(bytes) as unknown as { answers: ChannelAnswer[] }).answers;
}

/**
 * Payloads at least this large are written as they are, beside their envelope, rather than copied into it (see
 * {@link encodeCallPieces}); smaller ones are cheaper to copy than to write apart.
 */
export const UNCOPIED_PAYLOAD_BYTES = 16 * 1024;

/**
 * `encodeCalls(calls, clockMs)` as pieces that make the same message when written one after the other: each request
 * of {@link UNCOPIED_PAYLOAD_BYTES} or more is a piece of its own, not copied (field 3 of `ChannelCall`).
 */
export function encodeCallPieces(calls: readonly ChannelCall[], clockMs = 0): Buffer[] {
  const { call } = channelTypes();
  const pieces = itemPieces(calls, call, (c) => c.request, (c) => ({ ...c, request: undefined }), 3);
  if (clockMs !== 0) {
    // ChannelCalls.clock_ms = 2, a double: tag 0x11 and 8 bytes, little-endian.
    const clock = Buffer.allocUnsafe(9);
    clock[0] = 0x11;
    clock.writeDoubleLE(clockMs, 1);
    pieces.push(clock);
  }
  return pieces;
}

/** `encodeAnswers(answers)` as pieces, each response of {@link UNCOPIED_PAYLOAD_BYTES} or more not copied (field 2 of `ChannelAnswer`). */
export function encodeAnswerPieces(answers: readonly ChannelAnswer[]): Buffer[] {
  const { answer } = channelTypes();
  return itemPieces(answers, answer, (a) => a.response, (a) => ({ ...a, response: undefined }), 2);
}

/**
 * The repeated field 1 holding `items`: each item as `type` encodes it without its payload, then the payload field
 * `payloadField` (length-delimited) appended as its own piece when it is large. A field's position in a message does
 * not matter to a decoder, so the payload may come last.
 */
function itemPieces<T>(items: readonly T[], type: protobuf.Type, payloadOf: (item: T) => Uint8Array | undefined, withoutPayload: (item: T) => T, payloadField: number): Buffer[] {
  const pieces: Buffer[] = [];
  let small: Uint8Array[] = [];
  const flushSmall = () => {
    if (small.length > 0) pieces.push(Buffer.concat(small));
    small = [];
  };
  for (const item of items) {
    const payload = payloadOf(item);
    if (payload === undefined || payload.length < UNCOPIED_PAYLOAD_BYTES) {
      const body = type.encode(item as object).finish();
      small.push(protobuf.Writer.create().uint32(0x0a).uint32(body.length).finish(), body);
      continue;
    }
    const rest = type.encode(withoutPayload(item) as object).finish();
    const payloadHead = protobuf.Writer.create().uint32((payloadField << 3) | 2).uint32(payload.length).finish();
    const itemHead = protobuf.Writer.create().uint32(0x0a).uint32(rest.length + payloadHead.length + payload.length).finish();
    small.push(itemHead, rest, payloadHead);
    flushSmall();
    pieces.push(bufferOf(payload));
  }
  flushSmall();
  return pieces;
}

/** What {@link writeGrpcMessage} writes to: an HTTP/2 stream, either end. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array, callback?: () => void): unknown;
}

/**
 * Writes one uncompressed gRPC message made of `pieces`: its 5-byte prefix (flag and length), then the pieces one
 * after the other, corked into one writev so that none of them is copied into a frame; `written` runs once the stream
 * has taken the last byte.
 */
export function writeGrpcMessage(stream: CorkableStream, pieces: readonly Uint8Array[], written?: () => void): void {
  const prefix = Buffer.allocUnsafe(5);
  prefix[0] = 0;
  prefix.writeUInt32BE(pieces.reduce((sum, piece) => sum + piece.length, 0), 1);
  stream.cork();
  stream.write(prefix, pieces.length === 0 ? written : undefined);
  pieces.forEach((piece, i) => stream.write(piece, i === pieces.length - 1 ? written : undefined));
  stream.uncork();
}
