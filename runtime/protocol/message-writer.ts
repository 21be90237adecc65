/**
 * Writes TypeScript values as protobuf, checking each against its {@link TypeDescriptor} first (see `codec.ts`):
 * fields one by one with protobufjs's `Writer`, arrays of numbers in bulk as packed fields (a typed array's own
 * bytes, or varints written into one buffer).
 *
 * @module
 */
import protobuf from "protobufjs";
import { InvalidArgumentError } from "./errors.ts";
import type { FieldDescriptor, MethodDescriptor, ProtoScalar, ServiceDescriptor, TypeDescriptor } from "./service-descriptor.ts";
import {
  enumOf,
  FLOAT32_MAX,
  int32Range,
  int64Range,
  invalid,
  isPackable,
  isRecordLike,
  LONE_SURROGATE,
  messageOf,
  PROTO_KEY,
  protoKey,
  required,
  uint32Range,
  uint64Range,
  WELL_FORMED,
  wireTypeOf,
} from "./codec-values.ts";
import { bytesOfArray, LITTLE_ENDIAN, TYPED_ARRAY_KINDS, type TypedArrayKind } from "./typed-arrays.ts";
import { LENGTH_DELIMITED, VARINT } from "./wire-reader.ts";

/** protobufjs's writer: it records what to write and copies it all once, in `finish()`. */
export type Writer = protobuf.Writer;

export const tag = (number: number, wireType: number) => ((number << 3) | wireType) >>> 0;

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
export function writeField(service: ServiceDescriptor, w: Writer, number: number, type: TypeDescriptor, value: unknown, path: string): void {
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
    const array = of.proto === "double" ? new Float64Array(items.length) : new Float32Array(items.length);
    // Checked and copied in one loop (`new Float64Array(items)` alone took longer).
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item !== "number") throw invalid(`${path}[${i}]`, "a number", item);
      array[i] = item;
    }
    if (of.proto === "float") for (let i = 0; i < items.length; i++) checkScalar("float", false, items[i], `${path}[${i}]`);
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

export function finish(w: Writer): Buffer {
  return w.finish() as Buffer;
}

/** Checks the number of arguments and writes them as the fields of the method's request message. */
export function writeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[], w: Writer): void {
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
