/**
 * Branded number types that tell the generator which protobuf integer or float kind a value has.
 *
 * Plain `number` is a protobuf `double` and `bigint` an `int64`. Use these aliases in driver signatures for other
 * kinds; at run time they are ordinary numbers, range-checked when a call is made:
 *
 * ```ts
 * @rpcMethod async setChannel(channel: uint32): Promise<void> { ... }
 * ```
 *
 * `int64` and `uint64` are JavaScript numbers and must be safe integers; use `bigint` for the full 64-bit range.
 *
 * @module
 */

/**
 * A number tagged with its protobuf kind. The tag is an optional phantom property read by the generator, so plain
 * number literals stay assignable (`nsg.setChannel(3)`); it never exists at run time.
 */
export type NumberKind<K extends string> = number & { readonly __qmiNumberKind?: K };

/** Signed 32-bit integer (protobuf `int32`). */
export type int32 = NumberKind<"int32">;
/** Unsigned 32-bit integer (protobuf `uint32`). */
export type uint32 = NumberKind<"uint32">;
/** Signed 64-bit integer held in a safe JavaScript number (protobuf `int64`). */
export type int64 = NumberKind<"int64">;
/** Unsigned 64-bit integer held in a safe JavaScript number (protobuf `uint64`). */
export type uint64 = NumberKind<"uint64">;
/** Single-precision float (protobuf `float`). */
export type float32 = NumberKind<"float">;
