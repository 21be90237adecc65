/**
 * The element types a data set's columns may have: ten typed arrays, each stored as the HDF5 integer or float type
 * of the same width and signedness (little-endian), so h5py reads a column back as the numpy dtype of the same name.
 *
 * @module
 */
import type { CarriedTypedArray } from "../protocol/typed-arrays.ts";

/** A column's values: one of the typed arrays a data set stores (those the wire carries, and `Uint8Array`). */
export type ColumnArray = CarriedTypedArray | Uint8Array;

/** The element type of a column, named as numpy names it. */
export type ColumnType = "float64" | "float32" | "int32" | "uint32" | "int16" | "uint16" | "int8" | "uint8" | "int64" | "uint64";

/** The constructor of a column's typed array. */
export type ColumnArrayConstructor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** What HDF5 and h5wasm call a column type. @internal */
export interface ColumnTypeInfo {
  readonly type: ColumnType;
  readonly array: ColumnArrayConstructor;
  /** h5wasm's dtype string (numpy's, little-endian). */
  readonly dtype: string;
  readonly bytes: number;
  readonly float: boolean;
  readonly signed: boolean;
}

const infos: readonly ColumnTypeInfo[] = [
  { type: "float64", array: Float64Array, dtype: "<d", bytes: 8, float: true, signed: true },
  { type: "float32", array: Float32Array, dtype: "<f", bytes: 4, float: true, signed: true },
  { type: "int64", array: BigInt64Array, dtype: "<q", bytes: 8, float: false, signed: true },
  { type: "uint64", array: BigUint64Array, dtype: "<Q", bytes: 8, float: false, signed: false },
  { type: "int32", array: Int32Array, dtype: "<i", bytes: 4, float: false, signed: true },
  { type: "uint32", array: Uint32Array, dtype: "<I", bytes: 4, float: false, signed: false },
  { type: "int16", array: Int16Array, dtype: "<h", bytes: 2, float: false, signed: true },
  { type: "uint16", array: Uint16Array, dtype: "<H", bytes: 2, float: false, signed: false },
  { type: "int8", array: Int8Array, dtype: "<b", bytes: 1, float: false, signed: true },
  { type: "uint8", array: Uint8Array, dtype: "<B", bytes: 1, float: false, signed: false },
];

/** The largest row width of a two-dimensional column: 2^24 elements per row. */
export const MAX_COLUMN_WIDTH = 2 ** 24;

/** Why `width` cannot be a column's row width (a positive integer up to {@link MAX_COLUMN_WIDTH}), or undefined. @internal */
export function widthProblem(width: unknown): string | undefined {
  return Number.isSafeInteger(width) && (width as number) >= 1 && (width as number) <= MAX_COLUMN_WIDTH
    ? undefined
    : `must be an integer from 1 to 2^24 (elements per row), got ${typeof width === "string" ? JSON.stringify(width) : String(width)}`;
}

/** Every column type, widest first. */
export const COLUMN_TYPES: readonly ColumnType[] = infos.map((info) => info.type);

/** The facts of a column type. @internal */
export function columnTypeInfo(type: ColumnType): ColumnTypeInfo {
  return infos.find((info) => info.type === type)!;
}

/** The column type of `value` when it is one of the ten column arrays (exactly, not a subclass), else undefined. */
export function columnTypeOf(value: unknown): ColumnType | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return infos.find((info) => Object.getPrototypeOf(value) === info.array.prototype)?.type;
}

/** The column type HDF5 `metadata` describes (integer or float, as h5wasm reports it), or undefined. @internal */
export function columnTypeOfHdf5(kind: "integer" | "float", bytes: number, signed: boolean): ColumnType | undefined {
  return infos.find((info) => info.float === (kind === "float") && info.bytes === bytes && (info.float || info.signed === signed))?.type;
}
