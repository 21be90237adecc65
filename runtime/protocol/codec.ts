/**
 * Converts between TypeScript values and protobuf message objects (as `@grpc/proto-loader` reads and writes them
 * with `keepCase`, `longs: String`, `enums: String`), guided by a {@link ServiceDescriptor}.
 *
 * Encoding also validates: a value of the wrong type or out of range is an {@link InvalidArgumentError} naming the
 * parameter, so a bad argument fails the same way in-process and remotely, before anything reaches the wire.
 *
 * Decoding validates too, so that a driver method only ever runs with values of its declared types, whatever
 * client sent them: see {@link decodeValue}. What the bytes of a request may hold is settled before, by the
 * strict wire check every server applies to every request (`strict-wire.ts`):
 *
 * - `int32`, `uint32` and enum values must fit 32 bits: protobuf readers keep the low 32 bits of a longer varint
 *   (2^32 + 5 would read as 5), so such a request is refused instead (`INVALID_ARGUMENT`);
 * - strings must be valid UTF-8, as proto3 requires (rather than reaching the driver with U+FFFD in place of the
 *   bad bytes); so encoding refuses a string with a lone surrogate, which has no UTF-8 form;
 * - a map key `__proto__` is refused, when encoding as when decoding: a plain object cannot hold it as an own
 *   key, and assigning it would replace the map object's prototype (never `Object.prototype` itself).
 *
 * @module
 */
import { InvalidArgumentError, QmiError } from "./errors.ts";
import type {
  FieldDescriptor,
  MessageDescriptor,
  MethodDescriptor,
  ServiceDescriptor,
  TypeDescriptor,
} from "./service-descriptor.ts";

/** A protobuf message as a plain object. */
export type WireMessage = Record<string, unknown>;

const int32Range = [-(2 ** 31), 2 ** 31 - 1] as const;
const uint32Range = [0, 2 ** 32 - 1] as const;
const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Range = [0n, 2n ** 64n - 1n] as const;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return `${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

function invalid(path: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: expected ${expected}, got ${describeValue(value)}`);
}

/** A UTF-16 surrogate without its pair: no UTF-8 encodes it (protobufjs would write bytes the server refuses). */
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

function encodeInteger(value: unknown, proto: string, bigint: boolean, path: string): unknown {
  if (bigint) {
    const [min, max] = proto === "uint64" ? uint64Range : int64Range;
    if (typeof value !== "bigint" || value < min || value > max) throw invalid(path, `a ${proto} bigint`, value);
    return value.toString();
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
  return String(value);
}

/** Encodes one value of type `type`; `path` names it in errors (e.g. `amplitude` or `config.channels[2]`). */
export function encodeValue(service: ServiceDescriptor, type: TypeDescriptor, value: unknown, path: string): unknown {
  switch (type.kind) {
    case "void":
      return undefined;
    case "scalar":
      switch (type.proto) {
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
          return encodeInteger(value, type.proto, type.bigint === true, path);
      }
    case "timestamp": {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(path, "a valid Date", value);
      const ms = value.getTime();
      const seconds = Math.floor(ms / 1000);
      return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
    }
    case "list":
      if (!Array.isArray(value)) throw invalid(path, "an array", value);
      return encodeList(service, type.of, value, path);
    case "map": {
      if (!isRecordLike(value)) throw invalid(path, "a record of string keys", value);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key === PROTO_KEY) throw protoKey(path);
        if (LONE_SURROGATE.test(key)) throw invalid(`${path} key`, WELL_FORMED, key);
        out[key] = encodeValue(service, type.of, item, `${path}.${key}`);
      }
      return out;
    }
    case "enum": {
      const entry = service.enums.find((e) => e.name === type.name);
      const match = entry?.values.find((v) => v.value === value);
      if (!match) {
        const allowed = entry?.values.map((v) => JSON.stringify(v.value)).join(", ") ?? "";
        throw invalid(path, `one of ${allowed}`, value);
      }
      return match.protoName;
    }
    case "message": {
      if (!isRecordLike(value)) throw invalid(path, `an object (${type.name})`, value);
      return encodeFields(service, messageOf(service, type.name).fields, value as Record<string, unknown>, `${path}.`);
    }
  }
}

/**
 * Encodes the elements of a list. A list of doubles is only checked and copied. An element's path
 * (`values[3]`) is built only for its error: building it for each element cost more than encoding a double
 * (1,000 doubles: 77 µs to encode, 109 µs to decode, against about 1 µs each now).
 */
function encodeList(service: ServiceDescriptor, of: TypeDescriptor, items: readonly unknown[], path: string): unknown[] {
  if (of.kind === "scalar" && of.proto === "double") {
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] !== "number") throw invalid(`${path}[${i}]`, "a number", items[i]);
    }
    return items.slice(); // a copy: the caller may change its array before the request is serialized
  }
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = encodeValue(service, of, items[i], path);
    } catch (error) {
      if (error instanceof InvalidArgumentError) encodeValue(service, of, items[i], `${path}[${i}]`); // the same error, with its path
      throw error;
    }
  }
  return out;
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

function encodeFields(
  service: ServiceDescriptor,
  fields: readonly FieldDescriptor[],
  source: Record<string, unknown>,
  prefix: string,
): WireMessage {
  const out: WireMessage = {};
  for (const field of fields) {
    const value = source[field.name];
    if (value === undefined) {
      if (field.optional) continue;
      throw new InvalidArgumentError(`Invalid argument ${prefix}${field.name}: a value is required`);
    }
    out[field.protoName] = encodeValue(service, field.type, value, `${prefix}${field.name}`);
  }
  return out;
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Milliseconds a `Date` can be away from the epoch (ECMAScript's limit). */
const MAX_DATE_MS = 8.64e15;

/** The value a proto3 scalar field has when it is absent (protobufjs fills these in for present messages). */
function scalarDefault(proto: string, bigint: boolean): unknown {
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

function decodeScalar(proto: string, bigint: boolean, wire: unknown, path: string): unknown {
  if (wire === undefined || wire === null) return scalarDefault(proto, bigint);
  switch (proto) {
    case "int64":
    case "uint64": {
      const text = typeof wire === "string" || typeof wire === "number" ? String(wire) : "";
      if (!/^-?\d+$/.test(text)) throw invalid(path, `an integer (${proto})`, wire);
      if (bigint) return BigInt(text);
      const value = Number(text);
      if (!Number.isSafeInteger(value)) {
        throw invalid(path, `a safe integer (${proto}, a number in TypeScript: beyond 2^53 it needs bigint)`, BigInt(text));
      }
      return value;
    }
    case "int32":
    case "uint32":
      // The strict wire check refused varints beyond 32 bits, so this holds for any request that reached here.
      if (typeof wire !== "number" || !Number.isInteger(wire)) throw invalid(path, `an integer (${proto})`, wire);
      return wire;
    case "double":
    case "float":
      if (typeof wire !== "number") throw invalid(path, "a number", wire);
      return wire;
    case "bool":
      if (typeof wire !== "boolean") throw invalid(path, "a boolean", wire);
      return wire;
    case "string":
      if (typeof wire !== "string") throw invalid(path, "a string", wire);
      return wire;
    default:
      if (!(wire instanceof Uint8Array)) throw invalid(path, "bytes", wire);
      return new Uint8Array(wire);
  }
}

function decodeTimestamp(wire: unknown, path: string): Date {
  if (wire === undefined || wire === null) throw required(path);
  const { seconds, nanos } = wire as { seconds?: unknown; nanos?: unknown };
  const s = Number(seconds ?? 0);
  const n = Number(nanos ?? 0);
  const ms = s * 1000 + Math.floor(n / 1_000_000);
  if (!Number.isInteger(s) || !Number.isInteger(n) || n < 0 || n > 999_999_999 || !(Math.abs(ms) <= MAX_DATE_MS)) {
    throw new InvalidArgumentError(
      `Invalid argument ${path}: expected a Timestamp a Date can hold (seconds within ±8.64e12, nanos in [0, 999999999]), got seconds ${String(seconds)}, nanos ${String(nanos)}`,
    );
  }
  return new Date(ms);
}

function decodeEnum(service: ServiceDescriptor, name: string, wire: unknown, path: string): string | number {
  const entry = service.enums.find((e) => e.name === name);
  const match = entry?.values.find((v) => v.protoName === wire);
  if (match) return match.value;
  const allowed = entry?.values.map((v) => JSON.stringify(v.value)).join(", ") ?? "";
  const got = typeof wire === "number" ? `${wire}, a number ${name} does not define` : typeof wire === "string" && wire.endsWith("_UNSPECIFIED") ? `${wire} (0, no value)` : describeValue(wire);
  throw new InvalidArgumentError(`Invalid argument ${path}: expected one of ${allowed}, got ${got}`);
}

function required(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: a value is required`);
}

/**
 * Decodes one value of type `type` from its wire form (as proto-loader reads it); `path` names it in errors.
 *
 * Decoding is strict, so that a driver only ever sees values of its declared types: an enum value the type does
 * not define (`*_UNSPECIFIED` included, which is what an unset enum field reads as), an absent message or
 * timestamp that is not optional, a 64-bit integer beyond 2^53 where the TypeScript type is `number`, and a
 * timestamp no `Date` can hold are each an {@link InvalidArgumentError} naming the value (e.g.
 * `Invalid argument setting.waveform: ...`). Absent scalars read as their proto3 defaults (0, "", false, empty).
 */
export function decodeValue(service: ServiceDescriptor, type: TypeDescriptor, wire: unknown, path = "value"): unknown {
  switch (type.kind) {
    case "void":
      return undefined;
    case "scalar":
      return decodeScalar(type.proto, type.bigint === true, wire, path);
    case "timestamp":
      return decodeTimestamp(wire, path);
    case "list": {
      if (wire === undefined || wire === null) return [];
      if (!Array.isArray(wire)) throw invalid(path, "a list", wire);
      return decodeList(service, type.of, wire, path);
    }
    case "map": {
      const out: Record<string, unknown> = {};
      if (wire === undefined || wire === null) return out;
      if (typeof wire !== "object" || Array.isArray(wire)) throw invalid(path, "a map", wire);
      for (const [key, item] of Object.entries(wire)) {
        if (key === PROTO_KEY) throw protoKey(path);
        out[key] = decodeValue(service, type.of, item, `${path}.${key}`);
      }
      return out;
    }
    case "enum":
      return decodeEnum(service, type.name, wire, path);
    case "message":
      if (wire === undefined || wire === null) throw required(path);
      if (typeof wire !== "object" || Array.isArray(wire)) throw invalid(path, `a message (${type.name})`, wire);
      return decodeFields(service, messageOf(service, type.name).fields, wire as WireMessage, `${path}.`);
  }
}

/**
 * Decodes the elements of a list read from the wire (a fresh array): a list of doubles or floats is only checked
 * and handed on; an element's path is built only for its error (see {@link encodeList}).
 */
function decodeList(service: ServiceDescriptor, of: TypeDescriptor, wire: readonly unknown[], path: string): unknown[] {
  if (of.kind === "scalar" && (of.proto === "double" || of.proto === "float")) {
    for (let i = 0; i < wire.length; i++) {
      if (typeof wire[i] !== "number") throw invalid(`${path}[${i}]`, "a number", wire[i]);
    }
    return wire as unknown[];
  }
  const out = new Array<unknown>(wire.length);
  for (let i = 0; i < wire.length; i++) {
    try {
      out[i] = decodeValue(service, of, wire[i], path);
    } catch (error) {
      if (error instanceof InvalidArgumentError) decodeValue(service, of, wire[i], `${path}[${i}]`); // the same error, with its path
      throw error;
    }
  }
  return out;
}

function decodeFields(service: ServiceDescriptor, fields: readonly FieldDescriptor[], wire: WireMessage, prefix: string) {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const item = wire[field.protoName];
    if ((item === undefined || item === null) && field.optional) continue;
    out[field.name] = decodeValue(service, field.type, item, `${prefix}${field.name}`);
  }
  return out;
}

/** Checks the number of arguments, then encodes them as the method's request message. */
export function encodeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): WireMessage {
  if (args.length === 0 && method.params.length === 0) return {}; // the common getter: nothing to check
  const required = method.params.filter((p) => !p.optional).length;
  if (args.length < required || args.length > method.params.length) {
    const count = required === method.params.length ? `${required}` : `${required} to ${method.params.length}`;
    throw new InvalidArgumentError(
      `${method.name}() takes ${count} argument${method.params.length === 1 ? "" : "s"}, got ${args.length}: ${method.signature}`,
    );
  }
  const named: Record<string, unknown> = {};
  method.params.forEach((param, i) => (named[param.name] = args[i]));
  return encodeFields(service, method.params, named, "");
}

/**
 * Decodes a request message into positional arguments (absent optional parameters become `undefined`); a value
 * that does not decode is an {@link InvalidArgumentError} naming the parameter (see {@link decodeValue}).
 */
export function decodeRequest(service: ServiceDescriptor, method: MethodDescriptor, wire: WireMessage): unknown[] {
  const args = method.params.map((param) => {
    const item = wire[param.protoName];
    return (item === undefined || item === null) && param.optional ? undefined : decodeValue(service, param.type, item, param.name);
  });
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/** Encodes a method's result as its response message (`value = 1`, absent for void or undefined). */
export function encodeResponse(service: ServiceDescriptor, method: MethodDescriptor, result: unknown): WireMessage {
  if (method.result.kind === "void" || (result === undefined && method.resultOptional)) return {};
  return { value: encodeValue(service, method.result, result, `result of ${method.name}()`) };
}

/**
 * Decodes a response message into the method's result. A result that does not decode (see {@link decodeValue})
 * is the answering side's fault, so it is a {@link QmiError}, not an {@link InvalidArgumentError}.
 */
export function decodeResponse(service: ServiceDescriptor, method: MethodDescriptor, wire: WireMessage): unknown {
  if (method.result.kind === "void") return undefined;
  if ((wire.value === undefined || wire.value === null) && method.resultOptional) return undefined;
  try {
    return decodeValue(service, method.result, wire.value, `result of ${method.name}()`);
  } catch (error) {
    throw new QmiError(`The answer of ${method.name}() does not decode: ${(error as Error).message}`, { cause: error });
  }
}
