/**
 * Attributes of a data set: what values they take, which are refused, and how each is stored in HDF5.
 *
 * A value is a string, a number, a boolean, a bigint, or an array of one of these (all elements of one kind).
 * Numbers are stored as float64 (a JavaScript number is one, so every number, NaN and ±Infinity included, reads
 * back exactly; Python sees a float); bigints as int64, or uint64 from 2^63 on (64-bit integers read back as
 * bigint); strings as variable-length UTF-8; booleans as int8 0 or 1 whose names the data set lists (h5py's own
 * booleans, an enum, read back as booleans too). Refused: `null`, `undefined`, objects (store
 * `JSON.stringify(value)`), `Date` (store `date.toISOString()` or seconds), nested or mixed arrays, bigints beyond
 * 64 bits, strings with NUL characters or lone surrogates.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";
import { describe, storableTextProblem } from "./names.ts";

/** One attribute value: a scalar or a homogeneous array. */
export type AttributeValue = string | number | boolean | bigint | readonly string[] | readonly number[] | readonly boolean[] | readonly bigint[];

/** A data set's attributes by name. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** An attribute as HDF5 stores it: its data, its shape (`[]` for a scalar) and h5wasm's dtype. @internal */
export interface EncodedAttribute {
  readonly data: string | string[] | Float64Array | BigInt64Array | BigUint64Array | Int8Array;
  readonly shape: number[];
  /** h5wasm's dtype; undefined for strings (variable-length UTF-8). */
  readonly dtype: "<d" | "<q" | "<Q" | "<b" | undefined;
  /** True for booleans, which the data set lists by name. */
  readonly boolean: boolean;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_LIMIT = 2n ** 64n;
const INT64_LIMIT = 2n ** 63n;

/**
 * Why `name` is not allowed as a user attribute of data set `dataSet`, or undefined: names must be storable, non-empty
 * text, and neither begin with `QMI_Dataset` or `DIMENSION_` nor with the data set's name (QMI's own metadata
 * attributes begin so, and QMI's reader takes every such attribute for its own).
 */
export function attributeNameProblem(name: string, dataSet: string): string | undefined {
  const text = storableTextProblem(name);
  if (text) return `Attribute name ${text}`;
  if (name === "") return "Attribute names must not be empty";
  for (const reserved of ["QMI_Dataset", "DIMENSION_", dataSet]) {
    if (name.startsWith(reserved)) {
      return `Attribute ${describe(name)} of data set "${dataSet}" begins with "${reserved}", which QMI reserves for its own metadata; rename it`;
    }
  }
  return undefined;
}

/** Checks every attribute of data set `dataSet` and returns a copy; throws an InvalidArgumentError naming the first bad one. */
export function checkAttributes(attributes: unknown, dataSet: string): Attributes {
  if (attributes === undefined) return {};
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new InvalidArgumentError(`The attributes of data set "${dataSet}" must be an object of name: value, got ${describe(attributes)}`);
  }
  const copy: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const problem = attributeNameProblem(name, dataSet);
    if (problem) throw new InvalidArgumentError(problem);
    encodeAttribute(value, `Attribute ${describe(name)} of data set "${dataSet}"`);
    setOwn(copy, name, Array.isArray(value) ? Object.freeze([...(value as unknown[])]) as AttributeValue : (value as AttributeValue));
  }
  return copy;
}

/** Sets `record[key]` as an own property, also when the key is `__proto__`. @internal */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** How `value` is stored; throws an InvalidArgumentError starting with `what` when it cannot be. @internal */
export function encodeAttribute(value: unknown, what: string): EncodedAttribute {
  const scalar = !Array.isArray(value);
  const items: readonly unknown[] = scalar ? [value] : (value as unknown[]);
  const shape = scalar ? [] : [items.length];
  const kinds = new Set(items.map((item) => typeof item));
  if (kinds.size > 1) throw new InvalidArgumentError(`${what}: an array must hold values of one kind, got ${[...kinds].join(" and ")}`);
  const kind = items.length === 0 ? "number" : [...kinds][0];
  switch (kind) {
    case "string": {
      for (const item of items) {
        const problem = storableTextProblem(item);
        if (problem) throw new InvalidArgumentError(`${what}: a string ${problem}`);
      }
      return { data: scalar ? (value as string) : [...(items as string[])], shape, dtype: undefined, boolean: false };
    }
    case "number":
      return { data: Float64Array.from(items as number[]), shape, dtype: "<d", boolean: false };
    case "boolean":
      return { data: Int8Array.from(items as boolean[], (item) => (item ? 1 : 0)), shape, dtype: "<b", boolean: true };
    case "bigint":
      return encodeBigints(items as bigint[], shape, what);
    default:
      throw new InvalidArgumentError(
        `${what}: ${describe(scalar ? value : items.find((item) => typeof item === kind))} cannot be stored; attribute values are strings, numbers, booleans, bigints or arrays of one of these (store an object as JSON.stringify(value), a Date as date.toISOString())`,
      );
  }
}

function encodeBigints(items: readonly bigint[], shape: number[], what: string): EncodedAttribute {
  const outside = items.find((item) => item < INT64_MIN || item >= UINT64_LIMIT);
  if (outside !== undefined) throw new InvalidArgumentError(`${what}: ${outside}n does not fit 64 bits (int64 or uint64)`);
  if (items.some((item) => item >= INT64_LIMIT)) {
    if (items.some((item) => item < 0n)) {
      throw new InvalidArgumentError(`${what}: an array of bigints needs one 64-bit type, and holds both negative values and values of 2^63 or more`);
    }
    return { data: BigUint64Array.from(items), shape, dtype: "<Q", boolean: false };
  }
  return { data: BigInt64Array.from(items), shape, dtype: "<q", boolean: false };
}
