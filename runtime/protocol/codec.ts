/**
 * Reads and writes the protobuf messages of generated services (requests, responses, signal events) straight
 * from and to TypeScript values, guided by a {@link ServiceDescriptor}: no intermediate message objects, one pass
 * each way. Arrays of numbers travel as packed fields written and read in bulk: a `Float64Array` is one copy
 * each way, a `number[]` one conversion.
 *
 * Encoding also validates: a value of the wrong type or out of range is an {@link InvalidArgumentError} naming the
 * parameter (e.g. `config.channels[2]`), so a bad argument fails the same way in-process ({@link checkRequest})
 * and remotely, before anything reaches the wire. A string with a lone surrogate (no UTF-8 form) and a map key
 * `__proto__` are refused too.
 *
 * Decoding validates too, so that a driver method only ever runs with values of its declared types, whatever
 * client sent them: see {@link decodeRequest}. Servers check the bytes of every request first (`strict-wire.ts`);
 * the reader here is bounds-checked on its own as well, so an answer from a peer is read just as safely.
 *
 * @module
 */
import protobuf from "protobufjs";
import { QmiError } from "./errors.ts";
import type { MethodDescriptor, ServiceDescriptor, SignalDescriptor, TypeDescriptor } from "./service-descriptor.ts";
import { eventFields, finishValue, readSlots, readValueField } from "./message-reader.ts";
import { bufferOf } from "./typed-arrays.ts";
import { finish, tag, writeField, writeRequest } from "./message-writer.ts";
import { finishForSending } from "./message-buffers.ts";
import { LENGTH_DELIMITED, VARINT, WireReader } from "./wire-reader.ts";

/** A protobuf message of a core service, as `@grpc/proto-loader` reads and writes it. */
export type WireMessage = Record<string, unknown>;

/**
 * A message of a generated service as the server and client plumbing carry it: its bytes, written and read by this
 * module (the definitions of generated services pass them through, see `loadCallService` in `proto-files.ts`).
 */
export interface EncodedMessage extends WireMessage {
  readonly bytes: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** Checks the arguments of a call as {@link encodeRequest} does, without keeping the bytes (in-process calls). */
export function checkRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): void {
  // A writer only records what to copy until `finish()`, so this costs the checks and a little bookkeeping.
  writeRequest(service, method, args, protobuf.Writer.create());
}

/**
 * Checks the number and types of the arguments, then writes them as the method's request message (a large one in a
 * buffer that its sender may give back, see `message-buffers.ts`).
 */
export function encodeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): Buffer {
  if (args.length === 0 && method.params.length === 0) return EMPTY;
  const w = protobuf.Writer.create();
  writeRequest(service, method, args, w);
  return finishForSending(w);
}

/**
 * Checks `value` as type `type` and writes it as field 1 of a message (a response's or an event's `value`);
 * `path` names it in errors. A void value writes nothing.
 */
export function encodeValue(service: ServiceDescriptor, type: TypeDescriptor, value: unknown, path: string): Buffer {
  return writeValue(service, type, value, path, finish);
}

function writeValue(service: ServiceDescriptor, type: TypeDescriptor, value: unknown, path: string, finishing: (w: protobuf.Writer) => Buffer): Buffer {
  if (type.kind === "void") return EMPTY;
  const w = protobuf.Writer.create();
  writeField(service, w, 1, type, value, path);
  return finishing(w);
}

/**
 * Reads field 1 of a message (see {@link encodeValue}) as type `type`, strictly (see {@link decodeRequest});
 * an absent field reads as its proto3 default. `path` names it in errors.
 */
export function decodeValue(service: ServiceDescriptor, type: TypeDescriptor, bytes: Uint8Array, path = "value"): unknown {
  return finishValue(service, type, readValueField(service, bufferOf(bytes), type, path), path);
}

/**
 * Writes a method's result as its response message (`value = 1`, absent for void or undefined); a large one in a
 * buffer that its sender may give back (see `message-buffers.ts`).
 */
export function encodeResponse(service: ServiceDescriptor, method: MethodDescriptor, result: unknown): Buffer {
  if (result === undefined && method.resultOptional) return EMPTY;
  return writeValue(service, method.result, result, `result of ${method.name}()`, finishForSending);
}

/**
 * The `value` field of a signal's `<Signal>Event` holding `payload` (empty for a void signal): the part of the
 * event every subscriber shares; {@link eventEnvelope} adds the rest.
 */
export function encodeEvent(service: ServiceDescriptor, signal: SignalDescriptor, payload: unknown): Buffer {
  return encodeValue(service, signal.payload, payload, signal.name);
}

/** Who published an event, and its number in its stream: the other fields of a `<Signal>Event`. */
export interface EventEnvelope {
  readonly publisherContext: string;
  readonly publisherName: string;
  readonly signalName: string;
  readonly sequence: number;
}

/** A whole `<Signal>Event`: the `value` field written by {@link encodeEvent}, then fields 2 to 5. */
export function eventEnvelope(value: Buffer, envelope: EventEnvelope): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(tag(2, LENGTH_DELIMITED)).string(envelope.publisherContext);
  w.uint32(tag(3, LENGTH_DELIMITED)).string(envelope.publisherName);
  w.uint32(tag(4, LENGTH_DELIMITED)).string(envelope.signalName);
  w.uint32(tag(5, VARINT)).uint64(envelope.sequence);
  return Buffer.concat([value, finish(w)]);
}

/**
 * Reads a request message into positional arguments (absent optional parameters become `undefined`).
 *
 * Decoding is strict, so that a driver only ever sees values of its declared types: an enum value the type does
 * not define (0 included, which is what an unset enum field reads as), an absent message or timestamp that is not
 * optional, a 64-bit integer beyond 2^53 where the TypeScript type is `number`, an element outside a narrow typed
 * array's range and a timestamp no `Date` can hold are each an {@link InvalidArgumentError} naming the value (e.g.
 * `Invalid argument setting.waveform: ...`); bytes that are not protobuf are a {@link WireFormatError}. Absent
 * scalars read as their proto3 defaults (0, "", false, empty).
 */
export function decodeRequest(service: ServiceDescriptor, method: MethodDescriptor, bytes: Uint8Array): unknown[] {
  const buf = bufferOf(bytes);
  const read = readSlots(service, new WireReader(buf), method.params, "");
  const args = method.params.map((param, i) =>
    read[i] === undefined && param.optional ? undefined : finishValue(service, param.type, read[i], param.name),
  );
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/**
 * Reads a response message into the method's result. A result that does not decode (see {@link decodeRequest})
 * is the answering side's fault, so it is a {@link QmiError}, not an {@link InvalidArgumentError}.
 */
export function decodeResponse(service: ServiceDescriptor, method: MethodDescriptor, bytes: Uint8Array): unknown {
  if (method.result.kind === "void") return undefined;
  const buf = bufferOf(bytes);
  try {
    const read = readValueField(service, buf, method.result, `result of ${method.name}()`);
    if (read === undefined && method.resultOptional) return undefined;
    return finishValue(service, method.result, read, `result of ${method.name}()`);
  } catch (error) {
    throw new QmiError(`The answer of ${method.name}() does not decode: ${(error as Error).message}`, { cause: error });
  }
}

/** A `<Signal>Event` read: the payload, and the envelope fields when the event has them (0 and "" otherwise). */
export interface DecodedEvent extends EventEnvelope {
  readonly payload: unknown;
}

/** Reads a signal's `<Signal>Event`; a payload that does not decode is an {@link InvalidArgumentError} naming the signal. */
export function decodeEvent(service: ServiceDescriptor, signal: SignalDescriptor, bytes: Uint8Array): DecodedEvent {
  const buf = bufferOf(bytes);
  const read = readSlots(service, new WireReader(buf), eventFields(signal), "");
  return {
    payload: finishValue(service, signal.payload, read[0], signal.name),
    publisherContext: (read[1] as string | undefined) ?? "",
    publisherName: (read[2] as string | undefined) ?? "",
    signalName: (read[3] as string | undefined) ?? "",
    sequence: Number((read[4] as bigint | undefined) ?? 0n),
  };
}
