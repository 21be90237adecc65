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
import { isUtf8 } from "node:buffer";
import protobuf from "protobufjs";
import { InvalidArgumentError, QmiError } from "./errors.ts";
import type {
  EnumDescriptor,
  FieldDescriptor,
  MessageDescriptor,
  MethodDescriptor,
  ProtoScalar,
  ServiceDescriptor,
  SignalDescriptor,
  TypeDescriptor,
} from "./service-descriptor.ts";
import { unspecifiedName } from "./proto-names.ts";
import { WireFormatError } from "./strict-wire.ts";
import { bytesOfArray, LITTLE_ENDIAN, TYPED_ARRAY_KINDS, type CarriedTypedArray, type TypedArrayKind } from "./typed-arrays.ts";
import { FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireReader } from "./wire-reader.ts";

/** A protobuf message of a core service, as `@grpc/proto-loader` reads and writes it. */
export type WireMessage = Record<string, unknown>;

/**
 * A message of a generated service as the server and client plumbing carry it: its bytes, written and read by this
 * module (the definitions of generated services pass them through, see `encodedPackage` in `strict-requests.ts`).
 */
export interface EncodedMessage extends WireMessage {
  readonly bytes: Buffer;
}

type Writer = protobuf.Writer;

const int32Range = [-(2 ** 31), 2 ** 31 - 1] as const;
const uint32Range = [0, 2 ** 32 - 1] as const;
const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Range = [0n, 2n ** 64n - 1n] as const;

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Milliseconds a `Date` can be away from the epoch (ECMAScript's limit). */
const MAX_DATE_MS = 8.64e15;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return `${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

function invalid(path: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: expected ${expected}, got ${describeValue(value)}`);
}

function required(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: a value is required`);
}

/** A UTF-16 surrogate without its pair: no UTF-8 encodes it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const WELL_FORMED = "a well-formed string (it has a lone surrogate, which UTF-8 cannot carry)";

/** The one key a map cannot carry: as an own key of a plain object it would set the object's prototype. */
const PROTO_KEY = "__proto__";

function protoKey(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: the key "__proto__" cannot be carried in a map (it names the prototype of JavaScript objects); use another key`);
}

function messageOf(service: ServiceDescriptor, name: string): MessageDescriptor {
  const message = service.messages.find((m) => m.name === name);
  if (!message) throw new Error(`Descriptor of ${service.protoService} lacks message ${name}; run \`qmi gen\``);
  return message;
}

function enumOf(service: ServiceDescriptor, name: string): EnumDescriptor | undefined {
  return service.enums.find((e) => e.name === name);
}

/**
 * True for an object whose own properties are its content: not an array, a `Date`, a `Map`, a `Set` or binary data,
 * whose entries `Object.entries` would not see (a `Map` would otherwise travel as an empty record).
 */
function isRecordLike(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Map) &&
    !(value instanceof Set) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

const tag = (number: number, wireType: number) => ((number << 3) | wireType) >>> 0;

/** The wire type of one value of a scalar (unpacked). */
function wireTypeOf(proto: ProtoScalar): number {
  return proto === "double" ? FIXED64 : proto === "float" ? FIXED32 : proto === "string" || proto === "bytes" ? LENGTH_DELIMITED : VARINT;
}

/** A 64-bit integer as protobufjs writes it: its low and high 32 bits. */
interface Bits64 {
  low: number;
  high: number;
}

function bitsOfBigint(value: bigint): Bits64 {
  const unsigned = BigInt.asUintN(64, value);
  return { low: Number(unsigned & 0xffffffffn) | 0, high: Number(unsigned >> 32n) | 0 };
}

/**
 * Checks a scalar, returning what the writer takes (a 64-bit bigint as its bits). `path` names it in errors.
 */
function checkScalar(proto: ProtoScalar, bigint: boolean, value: unknown, path: string): unknown {
  switch (proto) {
    case "double":
      if (typeof value !== "number") throw invalid(path, "a number", value);
      return value;
    case "float":
      if (typeof value !== "number") throw invalid(path, "a number", value);
      // A finite number beyond float32's range would silently become ±Infinity on the wire.
      if (Math.abs(value) > FLOAT32_MAX && Number.isFinite(value)) throw invalid(path, "a float32 (at most ±3.4028235e38)", value);
      return value;
    case "bool":
      if (typeof value !== "boolean") throw invalid(path, "a boolean", value);
      return value;
    case "string":
      if (typeof value !== "string") throw invalid(path, "a string", value);
      if (LONE_SURROGATE.test(value)) throw invalid(path, WELL_FORMED, value);
      return value;
    case "bytes":
      if (!(value instanceof Uint8Array)) throw invalid(path, "a Uint8Array", value);
      return value;
    default:
      return checkInteger(proto, bigint, value, path);
  }
}

function checkInteger(proto: ProtoScalar, bigint: boolean, value: unknown, path: string): number | Bits64 {
  if (bigint) {
    const [min, max] = proto === "uint64" ? uint64Range : int64Range;
    if (typeof value !== "bigint" || value < min || value > max) throw invalid(path, `a ${proto} bigint`, value);
    return bitsOfBigint(value);
  }
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalid(path, `an integer (${proto})`, value);
  if (proto === "int32" || proto === "uint32") {
    const [min, max] = proto === "int32" ? int32Range : uint32Range;
    if (value < min || value > max) throw invalid(path, `an integer in [${min}, ${max}] (${proto})`, value);
    return value;
  }
  if (!Number.isSafeInteger(value) || (proto === "uint64" && value < 0)) {
    throw invalid(path, `a safe ${proto === "uint64" ? "non-negative " : ""}integer (${proto}; use bigint beyond 2^53)`, value);
  }
  return value;
}

/** Writes a checked scalar as one value (after its tag). */
function writeScalar(w: Writer, proto: ProtoScalar, value: unknown): void {
  switch (proto) {
    case "double":
      w.double(value as number);
      return;
    case "float":
      w.float(value as number);
      return;
    case "bool":
      w.bool(value as boolean);
      return;
    case "string":
      w.string(value as string);
      return;
    case "bytes":
      w.bytes(value as Uint8Array);
      return;
    case "int32":
      w.int32(value as number);
      return;
    case "uint32":
      w.uint32(value as number);
      return;
    default:
      // int64 and uint64 alike: a number (protobufjs splits it) or the bits of a bigint.
      w.uint64(value as number);
  }
}

/** Checks `value` as type `type` and writes it as field `number`. `path` names it in errors. */
function writeField(service: ServiceDescriptor, w: Writer, number: number, type: TypeDescriptor, value: unknown, path: string): void {
  switch (type.kind) {
    case "void":
      return;
    case "scalar": {
      const checked = checkScalar(type.proto, type.bigint === true, value, path);
      w.uint32(tag(number, wireTypeOf(type.proto)));
      writeScalar(w, type.proto, checked);
      return;
    }
    case "timestamp": {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(path, "a valid Date", value);
      const ms = value.getTime();
      const seconds = Math.floor(ms / 1000);
      const nanos = (ms - seconds * 1000) * 1_000_000;
      w.uint32(tag(number, LENGTH_DELIMITED)).fork();
      if (seconds !== 0) w.uint32(tag(1, VARINT)).int64(seconds);
      if (nanos !== 0) w.uint32(tag(2, VARINT)).int32(nanos);
      w.ldelim();
      return;
    }
    case "list":
      if (type.typed) writeTypedArray(w, number, TYPED_ARRAY_KINDS[type.typed], value, path);
      else if (!Array.isArray(value)) throw invalid(path, "an array", value);
      else writeList(service, w, number, type.of, value, path);
      return;
    case "map": {
      if (!isRecordLike(value)) throw invalid(path, "a record of string keys", value);
      for (const key of Object.keys(value)) {
        if (key === PROTO_KEY) throw protoKey(path);
        if (LONE_SURROGATE.test(key)) throw invalid(`${path} key`, WELL_FORMED, key);
        w.uint32(tag(number, LENGTH_DELIMITED)).fork();
        w.uint32(tag(1, LENGTH_DELIMITED)).string(key);
        writeField(service, w, 2, type.of, value[key], `${path}.${key}`);
        w.ldelim();
      }
      return;
    }
    case "enum":
      w.uint32(tag(number, VARINT)).int32(enumNumber(service, type.name, value, path));
      return;
    case "message":
      if (!isRecordLike(value)) throw invalid(path, `an object (${type.name})`, value);
      w.uint32(tag(number, LENGTH_DELIMITED)).fork();
      writeFields(service, w, messageOf(service, type.name).fields, value, `${path}.`);
      w.ldelim();
  }
}

function enumNumber(service: ServiceDescriptor, name: string, value: unknown, path: string): number {
  const entry = enumOf(service, name);
  const match = entry?.values.find((v) => v.value === value);
  if (!match) {
    const allowed = entry?.values.map((v) => JSON.stringify(v.value)).join(", ") ?? "";
    throw invalid(path, `one of ${allowed}`, value);
  }
  return match.number;
}

function writeFields(service: ServiceDescriptor, w: Writer, fields: readonly FieldDescriptor[], source: Record<string, unknown>, prefix: string): void {
  for (const field of fields) {
    const value = source[field.name];
    if (value === undefined) {
      if (field.optional) continue;
      throw required(`${prefix}${field.name}`);
    }
    writeField(service, w, field.number, field.type, value, `${prefix}${field.name}`);
  }
}

/** True for the element types a packed field carries. */
function isPackable(of: TypeDescriptor): boolean {
  return of.kind === "enum" || (of.kind === "scalar" && of.proto !== "string" && of.proto !== "bytes");
}

/**
 * Writes a list: numbers, booleans and enums as one packed field, other elements one field each. An element's path
 * (`values[3]`) is built only for its error: building it for each element cost more than encoding a double.
 */
function writeList(service: ServiceDescriptor, w: Writer, number: number, of: TypeDescriptor, items: readonly unknown[], path: string): void {
  if (items.length === 0) return;
  if (!isPackable(of)) {
    for (let i = 0; i < items.length; i++) {
      try {
        writeField(service, w, number, of, items[i], path);
      } catch (error) {
        if (error instanceof InvalidArgumentError) writeField(service, w, number, of, items[i], `${path}[${i}]`); // the same error, with its path
        throw error;
      }
    }
    return;
  }
  if (of.kind === "scalar" && (of.proto === "double" || of.proto === "float")) {
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] !== "number") throw invalid(`${path}[${i}]`, "a number", items[i]);
    }
    if (of.proto === "float") for (let i = 0; i < items.length; i++) checkScalar("float", false, items[i], `${path}[${i}]`);
    const array = of.proto === "double" ? new Float64Array(items as number[]) : new Float32Array(items as number[]);
    w.uint32(tag(number, LENGTH_DELIMITED)).bytes(packFixed(array));
    return;
  }
  const values = new Array<number | Bits64>(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      values[i] = packableValue(service, of, items[i], path);
    } catch (error) {
      if (error instanceof InvalidArgumentError) packableValue(service, of, items[i], `${path}[${i}]`);
      throw error;
    }
  }
  w.uint32(tag(number, LENGTH_DELIMITED)).bytes(packVarints(values.length, (i) => values[i]!));
}

/** A list element that travels as a varint, checked: a number, or the bits of a bigint. */
function packableValue(service: ServiceDescriptor, of: TypeDescriptor, item: unknown, path: string): number | Bits64 {
  if (of.kind === "enum") return enumNumber(service, of.name, item, path);
  if (of.kind === "scalar" && of.proto === "bool") return checkScalar("bool", false, item, path) ? 1 : 0;
  return checkInteger((of as { proto: ProtoScalar }).proto, (of as { bigint?: boolean }).bigint === true, item, path);
}

/** Writes a typed array as its packed field: its own bytes for floats, varints for integers. */
function writeTypedArray(w: Writer, number: number, kind: TypedArrayKind, value: unknown, path: string): void {
  if (!kind.is(value)) throw invalid(path, `a ${kind.name}`, value);
  if (value.length === 0) return;
  let payload: Uint8Array;
  if (kind.proto === "double" || kind.proto === "float") payload = packFixed(value as Float64Array | Float32Array);
  else if (kind.bigint) payload = packVarints(value.length, (i) => bitsOfBigint((value as BigInt64Array)[i]!));
  else payload = packVarints(value.length, (i) => (value as Int32Array)[i]!);
  w.uint32(tag(number, LENGTH_DELIMITED)).bytes(payload);
}

/** The payload of a packed `double` or `float` field: the array's own bytes on little-endian hosts. */
function packFixed(array: Float64Array | Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return bytesOfArray(array);
  const width = array.BYTES_PER_ELEMENT;
  const out = Buffer.allocUnsafe(array.length * width);
  for (let i = 0; i < array.length; i++) {
    if (width === 8) out.writeDoubleLE(array[i]!, i * 8);
    else out.writeFloatLE(array[i]!, i * 4);
  }
  return out;
}

/** The low and high 32 bits of a varint's value: a negative 32-bit number is sign-extended to 64 bits. */
function bitsOf(value: number | Bits64): Bits64 {
  if (typeof value !== "number") return value;
  if (value >= 0 && value <= 0xffffffff) return { low: value, high: 0 };
  if (value < 0 && value >= -(2 ** 31)) return { low: value, high: -1 };
  const magnitude = Math.abs(value);
  let low = magnitude >>> 0;
  let high = Math.floor(magnitude / 2 ** 32) >>> 0;
  if (value < 0) {
    high = ~high >>> 0;
    low = ~low >>> 0;
    if (++low > 0xffffffff) {
      low = 0;
      high = (high + 1) >>> 0;
    }
  }
  return { low, high };
}

function varintSize(low: number, high: number): number {
  if (high === 0) {
    const l = low >>> 0;
    return l < 0x80 ? 1 : l < 0x4000 ? 2 : l < 0x200000 ? 3 : l < 0x10000000 ? 4 : 5;
  }
  return Math.ceil((64 - Math.clz32(high >>> 0)) / 7);
}

/** The payload of a packed varint field of `count` values. */
function packVarints(count: number, valueAt: (i: number) => number | Bits64): Buffer {
  let size = 0;
  for (let i = 0; i < count; i++) {
    const { low, high } = bitsOf(valueAt(i));
    size += varintSize(low, high);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let { low, high } = bitsOf(valueAt(i));
    low >>>= 0;
    high >>>= 0;
    while (high !== 0) {
      out[pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    while (low > 0x7f) {
      out[pos++] = (low & 0x7f) | 0x80;
      low >>>= 7;
    }
    out[pos++] = low;
  }
  return out;
}

function finish(w: Writer): Buffer {
  return w.finish() as Buffer;
}

/** Checks the number of arguments and writes them as the fields of the method's request message. */
function writeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[], w: Writer): void {
  if (args.length === 0 && method.params.length === 0) return; // the common getter: nothing to check
  const requiredCount = method.params.filter((p) => !p.optional).length;
  if (args.length < requiredCount || args.length > method.params.length) {
    const count = requiredCount === method.params.length ? `${requiredCount}` : `${requiredCount} to ${method.params.length}`;
    throw new InvalidArgumentError(
      `${method.name}() takes ${count} argument${method.params.length === 1 ? "" : "s"}, got ${args.length}: ${method.signature}`,
    );
  }
  for (let i = 0; i < method.params.length; i++) {
    const param = method.params[i]!;
    const value = args[i];
    if (value === undefined) {
      if (param.optional) continue;
      throw required(param.name);
    }
    writeField(service, w, param.number, param.type, value, param.name);
  }
}

const EMPTY = Buffer.alloc(0);

/** Checks the arguments of a call as {@link encodeRequest} does, without keeping the bytes (in-process calls). */
export function checkRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): void {
  // A writer only records what to copy until `finish()`, so this costs the checks and a little bookkeeping.
  writeRequest(service, method, args, protobuf.Writer.create());
}

/** Checks the number and types of the arguments, then writes them as the method's request message. */
export function encodeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): Buffer {
  if (args.length === 0 && method.params.length === 0) return EMPTY;
  const w = protobuf.Writer.create();
  writeRequest(service, method, args, w);
  return finish(w);
}

/**
 * Checks `value` as type `type` and writes it as field 1 of a message (a response's or an event's `value`);
 * `path` names it in errors. A void value writes nothing.
 */
export function encodeValue(service: ServiceDescriptor, type: TypeDescriptor, value: unknown, path: string): Buffer {
  if (type.kind === "void") return EMPTY;
  const w = protobuf.Writer.create();
  writeField(service, w, 1, type, value, path);
  return finish(w);
}

/**
 * Reads field 1 of a message (see {@link encodeValue}) as type `type`, strictly (see {@link decodeRequest});
 * an absent field reads as its proto3 default. `path` names it in errors.
 */
export function decodeValue(service: ServiceDescriptor, type: TypeDescriptor, bytes: Uint8Array, path = "value"): unknown {
  return finishValue(service, type, readValueField(service, bufferOf(bytes), type, path), path);
}

/** Writes a method's result as its response message (`value = 1`, absent for void or undefined). */
export function encodeResponse(service: ServiceDescriptor, method: MethodDescriptor, result: unknown): Buffer {
  if (result === undefined && method.resultOptional) return EMPTY;
  return encodeValue(service, method.result, result, `result of ${method.name}()`);
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

// ---------------------------------------------------------------------------------------------------------------
// Decoding

/** Field index by number, per field list. */
const fieldIndexes = new WeakMap<readonly FieldDescriptor[], Map<number, number>>();

function indexOf(fields: readonly FieldDescriptor[]): Map<number, number> {
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map(fields.map((field, i) => [field.number, i]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

/** A packed payload of a repeated field: bytes `start` to `end` of the message's buffer. */
class Packed {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

/** The parts of a repeated field read so far, in order: packed payloads and single elements. */
interface ListParts {
  readonly buf: Buffer;
  readonly parts: unknown[];
}

function wrongWireType(path: string, wireType: number): WireFormatError {
  return new WireFormatError(`has ${path} with wire type ${wireType}, which its type is never written with`);
}

/** Reads a scalar written as one value of wire type `wireType`. */
function readScalar(r: WireReader, proto: ProtoScalar, bigint: boolean, wireType: number, path: string): unknown {
  if (wireType !== wireTypeOf(proto)) throw wrongWireType(path, wireType);
  switch (proto) {
    case "double":
      return r.double();
    case "float":
      return r.float();
    case "bool":
      return r.uint32() !== 0;
    case "int32":
      return r.int32();
    case "uint32":
      return r.uint32();
    case "string": {
      const { start, end } = r.span();
      if (!isUtf8(r.buf.subarray(start, end))) throw new WireFormatError(`has ${path}, a string that is not valid UTF-8`);
      return r.buf.toString("utf8", start, end);
    }
    case "bytes": {
      const { start, end } = r.span();
      return new Uint8Array(r.buf.subarray(start, end)); // its own copy: the wire's buffer is reused
    }
    default:
      return integer64(r.uint64(), proto, bigint, path);
  }
}

function integer64(unsigned: bigint, proto: ProtoScalar, bigint: boolean, path: string): number | bigint {
  const value = proto === "int64" ? BigInt.asIntN(64, unsigned) : unsigned;
  if (bigint) return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalid(path, `a safe integer (${proto}, a number in TypeScript: beyond 2^53 it needs bigint)`, value);
  }
  return Number(value);
}

function decodeEnum(service: ServiceDescriptor, name: string, number: number, path: string): string | number {
  const entry = enumOf(service, name);
  const match = entry?.values.find((v) => v.number === number);
  if (match) return match.value;
  const allowed = entry?.values.map((v) => JSON.stringify(v.value)).join(", ") ?? "";
  const got = number === 0 ? `${unspecifiedName(name)} (0, no value)` : `${number}, a number ${name} does not define`;
  throw new InvalidArgumentError(`Invalid argument ${path}: expected one of ${allowed}, got ${got}`);
}

function readTimestamp(r: WireReader, path: string): Date {
  const { start, end } = r.span();
  const inner = new WireReader(r.buf, start, end);
  let seconds = 0n;
  let nanos = 0;
  while (inner.pos < end) {
    const t = inner.uint32();
    if (t >>> 3 === 1 && (t & 7) === VARINT) seconds = BigInt.asIntN(64, inner.uint64());
    else if (t >>> 3 === 2 && (t & 7) === VARINT) nanos = inner.int32();
    else inner.skip(t & 7, t);
  }
  const ms = Number(seconds) * 1000 + Math.floor(nanos / 1_000_000);
  if (nanos < 0 || nanos > 999_999_999 || !(Math.abs(ms) <= MAX_DATE_MS)) {
    throw new InvalidArgumentError(
      `Invalid argument ${path}: expected a Timestamp a Date can hold (seconds within ±8.64e12, nanos in [0, 999999999]), got seconds ${seconds}, nanos ${nanos}`,
    );
  }
  return new Date(ms);
}

/** Reads one occurrence of a field of type `type`; `previous` is what earlier occurrences gave (lists and maps add up). */
function readField(service: ServiceDescriptor, r: WireReader, type: TypeDescriptor, wireType: number, previous: unknown, path: string): unknown {
  switch (type.kind) {
    case "void":
      r.skip(wireType);
      return undefined;
    case "scalar":
      return readScalar(r, type.proto, type.bigint === true, wireType, path);
    case "timestamp":
      if (wireType !== LENGTH_DELIMITED) throw wrongWireType(path, wireType);
      return readTimestamp(r, path);
    case "enum":
      if (wireType !== VARINT) throw wrongWireType(path, wireType);
      return decodeEnum(service, type.name, r.int32(), path);
    case "message": {
      if (wireType !== LENGTH_DELIMITED) throw wrongWireType(path, wireType);
      const { start, end } = r.span();
      return readFields(service, new WireReader(r.buf, start, end), messageOf(service, type.name).fields, `${path}.`);
    }
    case "list": {
      const list = (previous as ListParts | undefined) ?? { buf: r.buf, parts: [] };
      const element = elementOf(type);
      if (isPackable(element) && wireType === LENGTH_DELIMITED) {
        const { start, end } = r.span();
        list.parts.push(new Packed(start, end));
      } else list.parts.push(readField(service, r, element, wireType, undefined, path));
      return list;
    }
    case "map": {
      if (wireType !== LENGTH_DELIMITED) throw wrongWireType(path, wireType);
      const map = (previous as Record<string, unknown> | undefined) ?? {};
      const { start, end } = r.span();
      const entry = new WireReader(r.buf, start, end);
      let key = "";
      let value: unknown;
      while (entry.pos < end) {
        const t = entry.uint32();
        if (t >>> 3 === 1) key = readScalar(entry, "string", false, t & 7, `${path} key`) as string;
        else if (t >>> 3 === 2) value = readField(service, entry, type.of, t & 7, value, `${path}.${key}`);
        else entry.skip(t & 7, t);
      }
      if (key === PROTO_KEY) throw protoKey(path);
      map[key] = finishValue(service, type.of, value, `${path}.${key}`);
      return map;
    }
  }
}

/** The element type of a list: a typed array's kind as a scalar. */
function elementOf(type: Extract<TypeDescriptor, { kind: "list" }>): TypeDescriptor {
  if (!type.typed) return type.of;
  const kind = TYPED_ARRAY_KINDS[type.typed];
  return { kind: "scalar", proto: kind.proto, ...(kind.bigint ? { bigint: true } : {}) };
}

/** The value a field read as `read` has (`undefined` when it was absent): defaults filled in, lists assembled. */
function finishValue(service: ServiceDescriptor, type: TypeDescriptor, read: unknown, path: string): unknown {
  switch (type.kind) {
    case "void":
      return undefined;
    case "scalar":
      return read !== undefined ? read : scalarDefault(type.proto, type.bigint === true);
    case "enum":
      return read !== undefined ? read : decodeEnum(service, type.name, 0, path);
    case "timestamp":
    case "message":
      if (read === undefined) throw required(path);
      return read;
    case "map":
      return read ?? {};
    case "list":
      return finishList(service, type, read as ListParts | undefined, path);
  }
}

/** The value a proto3 scalar field has when it is absent. */
function scalarDefault(proto: ProtoScalar, bigint: boolean): unknown {
  switch (proto) {
    case "string":
      return "";
    case "bool":
      return false;
    case "bytes":
      return new Uint8Array(0);
    default:
      return bigint ? 0n : 0;
  }
}

/** Assembles a list from its parts: a single packed payload of doubles or floats is read in bulk. */
function finishList(service: ServiceDescriptor, type: Extract<TypeDescriptor, { kind: "list" }>, list: ListParts | undefined, path: string): unknown {
  const kind = type.typed ? TYPED_ARRAY_KINDS[type.typed] : undefined;
  if (!list) return kind ? kind.create(0) : [];
  const element = elementOf(type);
  if (!isPackable(element)) return list.parts;
  const { buf, parts } = list;
  const proto = element.kind === "scalar" ? element.proto : "int32";
  const width = proto === "double" ? 8 : proto === "float" ? 4 : 0;
  // The common case, one packed payload of doubles or floats: one copy into an aligned array.
  if (width > 0 && parts.length === 1 && parts[0] instanceof Packed) {
    const { start, end } = parts[0];
    if ((end - start) % width !== 0) throw new WireFormatError(`has ${path}, a packed field of ${(end - start)} bytes, not a multiple of ${width}`);
    const floats = proto === "double" ? new Float64Array((end - start) / 8) : new Float32Array((end - start) / 4);
    if (LITTLE_ENDIAN) new Uint8Array(floats.buffer).set(buf.subarray(start, end));
    else for (let i = 0; i < floats.length; i++) floats[i] = width === 8 ? buf.readDoubleLE(start + i * 8) : buf.readFloatLE(start + i * 4);
    return kind ? floats : Array.from(floats);
  }
  const values: unknown[] = [];
  for (const part of parts) {
    if (!(part instanceof Packed)) {
      values.push(part);
      continue;
    }
    const r = new WireReader(buf, part.start, part.end);
    const wireType = width === 8 ? FIXED64 : width === 4 ? FIXED32 : VARINT;
    while (r.pos < part.end) values.push(readField(service, r, element, wireType, undefined, path));
  }
  if (!kind) return values;
  const out = kind.create(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (kind.range && (value < kind.range[0] || value > kind.range[1])) {
      throw invalid(`${path}[${i}]`, `an integer in [${kind.range[0]}, ${kind.range[1]}] (${kind.name})`, value);
    }
    (out as Int32Array)[i] = value;
  }
  return out;
}

/** Reads a message's fields into an object of their TypeScript names (absent optional fields left out). */
function readFields(service: ServiceDescriptor, r: WireReader, fields: readonly FieldDescriptor[], prefix: string): Record<string, unknown> {
  const read = readSlots(service, r, fields, prefix);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (read[i] === undefined && field.optional) continue;
    out[field.name] = finishValue(service, field.type, read[i], `${prefix}${field.name}`);
  }
  return out;
}

/** What each field of a message read as, by field index (undefined: absent); unknown fields are skipped. */
function readSlots(service: ServiceDescriptor, r: WireReader, fields: readonly FieldDescriptor[], prefix: string): unknown[] {
  const index = indexOf(fields);
  const read = new Array<unknown>(fields.length);
  while (r.pos < r.end) {
    const t = r.uint32();
    const i = index.get(t >>> 3);
    if (i === undefined || t >>> 3 === 0) {
      r.skip(t & 7, t);
      continue;
    }
    const field = fields[i]!;
    read[i] = readField(service, r, field.type, t & 7, read[i], `${prefix}${field.name}`);
  }
  return read;
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Field 1 (`value`) of a response or event, as read (undefined when absent); other fields are skipped. */
function readValueField(service: ServiceDescriptor, bytes: Buffer, type: TypeDescriptor, path: string): unknown {
  const r = new WireReader(bytes);
  let read: unknown;
  while (r.pos < r.end) {
    const t = r.uint32();
    if (t >>> 3 === 1) read = readField(service, r, type, t & 7, read, path);
    else r.skip(t & 7, t);
  }
  return read;
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

const eventFieldLists = new WeakMap<SignalDescriptor, readonly FieldDescriptor[]>();

/** The fields of a `<Signal>Event`, as the generator writes it. */
function eventFields(signal: SignalDescriptor): readonly FieldDescriptor[] {
  let fields = eventFieldLists.get(signal);
  if (!fields) {
    const text = (name: string, number: number): FieldDescriptor => ({ name, protoName: name, number, type: { kind: "scalar", proto: "string" }, optional: true });
    fields = [
      { name: signal.name, protoName: "value", number: 1, type: signal.payload, optional: true }, // named as in errors
      text("publisherContext", 2),
      text("publisherName", 3),
      text("signalName", 4),
      { name: "sequence", protoName: "sequence", number: 5, type: { kind: "scalar", proto: "uint64", bigint: true }, optional: true },
    ];
    eventFieldLists.set(signal, fields);
  }
  return fields;
}

export type { CarriedTypedArray };
