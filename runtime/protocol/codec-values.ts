/**
 * What the codec's writer (`message-writer.ts`) and reader (`message-reader.ts`) share: the errors that name a
 * bad value, the lookups of named types in a descriptor, and how each type travels (wire types, packing).
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";
import type { EnumDescriptor, MessageDescriptor, ProtoScalar, ServiceDescriptor, TypeDescriptor } from "./service-descriptor.ts";
import { TYPED_ARRAY_KINDS } from "./typed-arrays.ts";
import { FIXED32, FIXED64, LENGTH_DELIMITED, VARINT } from "./wire-reader.ts";

/** The ranges of the integer kinds. */
export const int32Range = [-(2 ** 31), 2 ** 31 - 1] as const;
export const uint32Range = [0, 2 ** 32 - 1] as const;
export const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
export const uint64Range = [0n, 2n ** 64n - 1n] as const;

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Milliseconds a `Date` can be away from the epoch (ECMAScript's limit). */
export const MAX_DATE_MS = 8.64e15;

/** A value as errors show it: `the string "x"`, `an array`, `a Float32Array`, `5`... */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return `${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

/** `Invalid argument <path>: expected <expected>, got <value>`. */
export function invalid(path: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: expected ${expected}, got ${describeValue(value)}`);
}

/** `Invalid argument <path>: a value is required`. */
export function required(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: a value is required`);
}

/** A UTF-16 surrogate without its pair: no UTF-8 encodes it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const WELL_FORMED = "a well-formed string (it has a lone surrogate, which UTF-8 cannot carry)";

/** The one key a map cannot carry: as an own key of a plain object it would set the object's prototype. */
export const PROTO_KEY = "__proto__";

/** The error of a map key `__proto__` at `path`. */
export function protoKey(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: the key "__proto__" cannot be carried in a map (it names the prototype of JavaScript objects); use another key`);
}

/** The message `name` of `service`; a descriptor without it is out of date (a plain `Error`). */
export function messageOf(service: ServiceDescriptor, name: string): MessageDescriptor {
  const message = service.messages.find((m) => m.name === name);
  if (!message) throw new Error(`Descriptor of ${service.protoService} lacks message ${name}; run \`qmi gen\``);
  return message;
}

/** The enum `name` of `service`, if it has one. */
export function enumOf(service: ServiceDescriptor, name: string): EnumDescriptor | undefined {
  return service.enums.find((e) => e.name === name);
}

/**
 * True for an object whose own properties are its content: not an array, a `Date`, a `Map`, a `Set` or binary data,
 * whose entries `Object.entries` would not see (a `Map` would otherwise travel as an empty record).
 */
export function isRecordLike(value: unknown): value is Record<string, unknown> {
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

/** The wire type of one value of a scalar (unpacked). */
export function wireTypeOf(proto: ProtoScalar): number {
  return proto === "double" ? FIXED64 : proto === "float" ? FIXED32 : proto === "string" || proto === "bytes" ? LENGTH_DELIMITED : VARINT;
}

/** True for the element types a packed field carries. */
export function isPackable(of: TypeDescriptor): boolean {
  return of.kind === "enum" || (of.kind === "scalar" && of.proto !== "string" && of.proto !== "bytes");
}

/** The element type of a list: a typed array's kind as a scalar. */
export function elementOf(type: Extract<TypeDescriptor, { kind: "list" }>): TypeDescriptor {
  if (!type.typed) return type.of;
  const kind = TYPED_ARRAY_KINDS[type.typed];
  return { kind: "scalar", proto: kind.proto, ...(kind.bigint ? { bigint: true } : {}) };
}
