/**
 * The typed arrays the type mapping carries, each as the packed `repeated` field of its element type: what element
 * type other languages see, which values an element may hold, and how to view one as bytes.
 *
 * Narrow kinds travel in the narrowest protobuf type that holds them (`Int16Array` as `repeated int32`), so a
 * receiver checks every element against the array's range: an `Int8Array` never holds 300 truncated to 44.
 *
 * @module
 */
import { endianness } from "node:os";
import type { ProtoScalar, TypedArrayName } from "./service-descriptor.ts";

/** A typed array of one of the {@link TypedArrayName} kinds. */
export type CarriedTypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | BigInt64Array
  | BigUint64Array;

/** What the codec needs to know of one typed-array kind. */
export interface TypedArrayKind {
  readonly name: TypedArrayName;
  readonly create: (length: number) => CarriedTypedArray;
  readonly is: (value: unknown) => value is CarriedTypedArray;
  /** The element type on the wire. */
  readonly proto: ProtoScalar;
  /** Elements are bigints (64-bit kinds). */
  readonly bigint: boolean;
  /** The range of an element, for kinds narrower than their wire type. */
  readonly range?: readonly [number, number];
}

function kind(
  name: TypedArrayName,
  Class: { new (length: number): CarriedTypedArray },
  proto: ProtoScalar,
  range?: readonly [number, number],
): TypedArrayKind {
  return {
    name,
    create: (length) => new Class(length),
    is: (value): value is CarriedTypedArray => value instanceof Class,
    proto,
    bigint: proto === "int64" || proto === "uint64",
    ...(range ? { range } : {}),
  };
}

/** Every kind, by name. */
export const TYPED_ARRAY_KINDS: Readonly<Record<TypedArrayName, TypedArrayKind>> = {
  Float64Array: kind("Float64Array", Float64Array, "double"),
  Float32Array: kind("Float32Array", Float32Array, "float"),
  Int32Array: kind("Int32Array", Int32Array, "int32"),
  Uint32Array: kind("Uint32Array", Uint32Array, "uint32"),
  Int16Array: kind("Int16Array", Int16Array, "int32", [-32768, 32767]),
  Uint16Array: kind("Uint16Array", Uint16Array, "uint32", [0, 65535]),
  Int8Array: kind("Int8Array", Int8Array, "int32", [-128, 127]),
  BigInt64Array: kind("BigInt64Array", BigInt64Array, "int64"),
  BigUint64Array: kind("BigUint64Array", BigUint64Array, "uint64"),
};

/** True on little-endian hosts, where a `Float64Array`'s bytes are exactly its packed field's payload. */
export const LITTLE_ENDIAN = endianness() === "LE";

/** `bytes` as a Buffer, without copying. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bytes of a typed array, without copying. */
export function bytesOfArray(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * ArrayBuffers that hold one received message assembled from parts, which nothing writes to once it is whole: the
 * reader may hand out views into them (a large typed array, `bytes`) instead of copies. Such a view's `buffer` is the
 * whole message, so it has a `byteOffset` and the message's other bytes around it.
 */
const messageBuffers = new WeakSet<ArrayBufferLike>();

/** Marks `bytes` (its whole ArrayBuffer) as a received message the reader may keep views into. */
export function lendMessageBuffer(bytes: Buffer): Buffer {
  messageBuffers.add(bytes.buffer);
  return bytes;
}

/** True when the reader may keep views into `bytes` (see {@link lendMessageBuffer}). */
export function isLentMessageBuffer(bytes: Buffer): boolean {
  return messageBuffers.has(bytes.buffer);
}
