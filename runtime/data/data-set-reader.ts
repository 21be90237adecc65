/**
 * Reading a data set from an open file, checking everything the file claims: the marker, the metadata attributes
 * (integers where integers belong, the row count against every column's shape, the column count against the
 * group), that each column exists and holds integers or floats, and each attribute's type. Anything that does not
 * match is a {@link DataFileError} naming the file, the data set and what is wrong. What it loads is bounded (see
 * {@link ReadOptions}).
 *
 * @module
 * @internal
 */
import { setOwn, type AttributeValue, type Attributes } from "./attributes.ts";
import { columnTypeInfo, MAX_COLUMN_WIDTH, type ColumnArray, type ColumnType } from "./column-types.ts";
import { DataFileError } from "./data-file-error.ts";
import type { ColumnFacts, RawAttribute } from "./hdf5-file.ts";
import * as layout from "./qmi-layout.ts";

/** Bounds on what a read loads. */
export interface ReadOptions {
  /** Most bytes of column data a read loads; a larger data set is refused. Default {@link DEFAULT_MAX_BYTES} (1 GiB). */
  readonly maxBytes?: number;
}

/** The default bound on the column data one read loads: 1 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/** The bound on one attribute's data: 16 MiB. */
export const MAX_ATTRIBUTE_BYTES = 2 ** 24;

/** A column as a file describes it. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: ColumnType;
  readonly unit: string;
  readonly description: string;
  /** Elements per row of a two-dimensional column (its dataset's shape is `[rows, width]`); absent for a 1-D column. */
  readonly width?: number;
}

/** A data set as a file describes it, without its data. */
export interface DataSetInfo {
  readonly name: string;
  readonly rowCount: number;
  readonly columns: readonly ColumnInfo[];
  readonly attributes: Attributes;
  /** POSIX seconds. */
  readonly timestamp: number;
}

/** The operations on an open file a reader needs (an `Hdf5File`). */
export interface ReaderFile {
  readonly path: string;
  kind(path: string): "group" | "dataset" | "other" | undefined;
  members(path: string): string[];
  attributeNames(path: string): string[];
  attribute(path: string, name: string, maxBytes: number): RawAttribute;
  column(path: string): ColumnFacts;
  readColumn(path: string, type: ColumnType, rows: number, width?: number): ColumnArray;
}

/** The names of the data sets in `file`: those the root lists first (in its order), then other marked groups by name. */
export function dataSetNames(file: ReaderFile): string[] {
  const groups = file.members("/").filter((member) => file.kind(`/${member}`) === "group");
  const indexed = file
    .attributeNames("/")
    .map((key) => ({ key, n: layout.INDEX_KEY.exec(key)?.[1] }))
    .filter((entry) => entry.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n))
    .map((entry) => decode(file, "/", entry.key, file.attribute("/", entry.key, MAX_ATTRIBUTE_BYTES), false))
    .filter((name): name is string => typeof name === "string" && groups.includes(name));
  const marked = groups.filter((group) => !indexed.includes(group) && file.attributeNames(`/${group}`).includes(layout.MARKER)).sort();
  return [...new Set(indexed), ...marked];
}

/** Describes data set `name` of `file`, checking what the file claims. */
export function readDataSetInfo(file: ReaderFile, name: string, options: ReadOptions = {}): DataSetInfo & { readonly keys: readonly string[] } {
  const group = `/${name}`;
  const fail = (what: string): never => {
    throw new DataFileError(file.path, `Data file ${file.path}, data set "${name}": ${what}`);
  };
  const kind = file.kind(group);
  if (kind === undefined) {
    const names = dataSetNames(file);
    throw new DataFileError(file.path, `Data file ${file.path} holds no data set "${name}"; it holds ${names.length ? names.map((n) => `"${n}"`).join(", ") : "none"}`);
  }
  if (kind !== "group") fail(`${group} is a ${kind}, not the group of a data set`);
  const names = new Set(file.attributeNames(group));
  const attribute = (key: string): AttributeValue | undefined => (names.has(key) ? decode(file, group, key, file.attribute(group, key, MAX_ATTRIBUTE_BYTES), false) : undefined);
  const text = (key: string): string | undefined => {
    const value = attribute(key);
    if (value !== undefined && typeof value !== "string") fail(`attribute ${key} should be a string, is ${show(value)}`);
    return value as string | undefined;
  };
  const integer = (key: string, min: number, max: number): number => {
    const value = attribute(key);
    const number = typeof value === "bigint" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max) {
      fail(value === undefined ? `attribute ${key} is missing` : `attribute ${key} should be an integer from ${min} to ${max}, is ${show(value)}`);
    }
    return number as number;
  };

  const marker = attribute(layout.MARKER);
  if (marker !== 1 && marker !== 1n) fail(`${group} is not a data set: it has no attribute ${layout.MARKER} = 1`);
  const prefix = text(layout.NAME) ?? name;
  const keys = layout.metadataKeys(prefix);
  const nAxes = names.has(keys.nAxes) ? integer(keys.nAxes, 0, 32) : 0;
  const kindOfLayout = text(layout.LAYOUT) ?? "raw";
  if (nAxes > 0 || (kindOfLayout !== "raw" && kindOfLayout !== "axis")) {
    fail(`it has QMI's "${kindOfLayout}" layout with ${nAxes} measurement axes; qmi-ts reads data sets of plain columns only (read this one with Python QMI)`);
  }
  const members = file.members(group);
  const ndim = integer(keys.dataNdim, 1, 2);
  const ncol = integer(keys.ncol, 1, Math.max(1, members.length));
  const rows = integer(keys.dimSize(0), 0, Number.MAX_SAFE_INTEGER);
  if (ndim === 2 && integer(keys.dimSize(1), 0, Number.MAX_SAFE_INTEGER) !== ncol) fail(`${keys.dimSize(1)} does not equal ${keys.ncol} (${ncol})`);
  if (ndim === 1 && ncol !== 1) fail(`a one-dimensional data set has one column, but ${keys.ncol} is ${ncol}`);
  const timestamp = attribute(keys.timestamp);
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
    fail(timestamp === undefined ? `attribute ${keys.timestamp} is missing` : `attribute ${keys.timestamp} should be a finite number of seconds, is ${show(timestamp)}`);
  }

  const columns: ColumnInfo[] = [];
  const columnKeys: string[] = [];
  let bytes = 0;
  for (let col = 0; col < ncol; col++) {
    const key = text(keys.columnKey(col)) ?? text(keys.columnLabel(col)) ?? `column_${col}`;
    if (columnKeys.includes(key)) fail(`columns ${columnKeys.indexOf(key)} and ${col} both name the dataset "${key}"`);
    const path = `${group}/${key}`;
    const found = members.includes(key) ? file.kind(path) : undefined;
    if (found !== "dataset") fail(`column ${col} ("${key}") ${found === undefined ? "is missing" : `is a ${found}, not a dataset`}`);
    const facts = file.column(path);
    if (facts.type === undefined) fail(`column "${key}" holds ${facts.typeName} values; qmi-ts reads columns of integers and floats`);
    const width = names.has(keys.columnWidth(col)) ? integer(keys.columnWidth(col), 1, MAX_COLUMN_WIDTH) : undefined;
    const shape = facts.shape === null ? "none" : `[${facts.shape.join(", ")}]`;
    if (facts.shape === null || facts.shape.length !== (width === undefined ? 1 : 2) || facts.shape[0] !== rows) {
      fail(`column "${key}" has shape ${shape}, but the data set claims ${rows} rows (${keys.dimSize(0)})${width === undefined ? "" : ` of ${width} elements (${keys.columnWidth(col)})`}`);
    }
    if (width !== undefined && facts.shape![1] !== width) {
      fail(`column "${key}" has shape ${shape}, but ${keys.columnWidth(col)} declares rows of ${width} elements`);
    }
    const own = new Set(file.attributeNames(path));
    const ownText = (attr: string): string | undefined => {
      const value = own.has(attr) ? decode(file, path, attr, file.attribute(path, attr, MAX_ATTRIBUTE_BYTES), false) : undefined;
      return typeof value === "string" ? value : undefined;
    };
    const unit = text(keys.columnUnit(col)) ?? ownText(layout.COLUMN_UNIT) ?? ownText("units") ?? "";
    const description = text(keys.columnName(col)) ?? ownText(layout.COLUMN_DESCRIPTION) ?? "";
    columns.push(width === undefined ? { name: key, type: facts.type!, unit, description } : { name: key, type: facts.type!, unit, description, width });
    columnKeys.push(key);
    bytes += rows * (width ?? 1) * columnTypeInfo(facts.type!).bytes;
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes > maxBytes) fail(`its columns hold ${bytes} bytes, more than the ${maxBytes} bytes a read loads; pass a larger maxBytes to read it`);

  const booleanList = attribute(keys.booleanAttributes) ?? [];
  if (!Array.isArray(booleanList) || booleanList.some((entry) => typeof entry !== "string")) fail(`attribute ${keys.booleanAttributes} should be a list of names`);
  const attributes: Record<string, AttributeValue> = {};
  for (const key of names) {
    if (key.startsWith(prefix) || key.startsWith(layout.MARKER) || key.startsWith("DIMENSION_")) continue;
    setOwn(attributes, key, decode(file, group, key, file.attribute(group, key, MAX_ATTRIBUTE_BYTES), (booleanList as string[]).includes(key), name));
  }
  return { name, rowCount: rows, columns, attributes, timestamp: timestamp as number, keys: columnKeys };
}

/** Reads the data of the columns `info` describes. */
export function readColumns(file: ReaderFile, info: DataSetInfo & { readonly keys: readonly string[] }): ColumnArray[] {
  return info.columns.map((column, col) => file.readColumn(`/${info.name}/${info.keys[col]}`, column.type, info.rowCount, column.width));
}

/** An attribute's value as qmi-ts gives it, or a DataFileError saying why it has none. */
function decode(file: ReaderFile, path: string, key: string, raw: RawAttribute, listedBoolean: boolean, dataSet?: string): AttributeValue {
  const where = dataSet === undefined ? `Data file ${file.path}, ${path}` : `Data file ${file.path}, data set "${dataSet}"`;
  if (raw.kind === "other" || raw.shape === null || raw.shape.length > 1) {
    const why = raw.shape === null ? "has no value (an empty dataspace)" : raw.shape.length > 1 ? `is a ${raw.shape.length}-dimensional array` : `holds ${raw.typeName} values`;
    throw new DataFileError(file.path, `${where}: attribute ${key} ${why}; qmi-ts reads strings, numbers, booleans and one-dimensional arrays of them`);
  }
  let values: readonly (string | number | bigint | boolean)[] = raw.values;
  if (raw.kind === "boolean" || listedBoolean) {
    if (raw.kind !== "boolean" && (raw.kind !== "integer" || raw.values.some((v) => v !== 0 && v !== 1 && v !== 0n && v !== 1n))) {
      throw new DataFileError(file.path, `${where}: attribute ${key} is listed as a boolean but holds ${raw.typeName} values other than 0 and 1`);
    }
    values = raw.values.map((v) => v !== 0 && v !== 0n);
  }
  return raw.shape.length === 0 ? values[0]! : (Object.freeze([...values]) as AttributeValue);
}

function show(value: AttributeValue): string {
  return typeof value === "bigint" ? `${value}n` : JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}
