/**
 * What names and texts a data set accepts: data set and column names that are valid HDF5 link names, and strings
 * HDF5 stores as UTF-8 without loss.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";

/** A UTF-16 surrogate that is not half of a pair (in a `u` regular expression, pairs are one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why `name` is not valid as an HDF5 link name (a data set's group, a column's dataset), or undefined. */
function linkNameProblem(name: string): string | undefined {
  if (name === "" || name.includes("/") || name === "." || name === "..") return `it must not be empty, contain "/", or be "." or ".."`;
  if (name.length > 255) return "it must be at most 255 characters long";
  return undefined;
}

/** Throws an InvalidArgumentError unless `name` is a valid data set name: text without NUL or `/`, 1 to 255 characters, not `.` or `..`. */
export function checkDataSetName(name: unknown): asserts name is string {
  checkText(name, "A data set name");
  const problem = linkNameProblem(name);
  if (problem) throw new InvalidArgumentError(`Invalid data set name ${describe(name)}: ${problem} (e.g. "sweep_1")`);
}

/** Throws an InvalidArgumentError unless `text` can be stored as an HDF5 string (see {@link storableTextProblem}). */
export function checkText(text: unknown, what: string): asserts text is string {
  const problem = storableTextProblem(text);
  if (problem) throw new InvalidArgumentError(`${what} ${problem}`);
}

/**
 * Why `text` cannot be stored as an HDF5 string, or undefined when it can: it must be a string without NUL
 * characters (HDF5 strings end at the first one) and without lone UTF-16 surrogates (which have no UTF-8 form).
 */
export function storableTextProblem(text: unknown): string | undefined {
  if (typeof text !== "string") return `must be a string, got ${describe(text)}`;
  if (text.includes("\u0000")) return `must not contain a NUL character: ${describe(text)}`;
  if (LONE_SURROGATE.test(text)) return `must be well-formed UTF-16 (no lone surrogate): ${describe(text)}`;
  return undefined;
}

/** Throws an InvalidArgumentError unless `name` is a valid column name (the same rules as a data set name). */
export function checkColumnName(name: unknown, dataSet: string): asserts name is string {
  checkText(name, `Column name in data set "${dataSet}"`);
  const problem = linkNameProblem(name);
  if (problem) throw new InvalidArgumentError(`Invalid column name ${describe(name)} in data set "${dataSet}": ${problem}`);
}

/** A short, quoted rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value.constructor as { name?: string } | undefined)?.name ?? "an object";
  return String(value);
}
