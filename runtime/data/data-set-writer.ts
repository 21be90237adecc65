/**
 * A data set being written: its group, metadata and empty columns are created in an open file, then rows are
 * appended in as many pieces as wanted — the way a recorder stores measurements as they come.
 *
 * ```ts
 * const file = await DataFile.create("run.h5");
 * try {
 *   const trace = file.createDataSet({ name: "trace", columns: [{ name: "t", type: "float64", unit: "s" }, { name: "v", type: "int16" }] });
 *   trace.appendRows({ t: Float64Array.of(0, 0.1), v: Int16Array.of(3, 4) });
 *   trace.appendRows({ t: Float64Array.of(0.2), v: Int16Array.of(5) });
 *   file.flush(); // what was appended is in the file now
 * } finally {
 *   file.close();
 * }
 * ```
 *
 * A column of a fixed `width` (`{ name: "samples", type: "float32", width: 1000 }`) takes rows of that many
 * elements: `appendRows` gets a flat typed array of `rows × width` elements for it, row after row, and the file
 * holds a two-dimensional dataset of shape `[rows, width]`.
 *
 * Columns are extendible HDF5 datasets stored in chunks; the row count attribute (`<name>_dim0_size`) is updated
 * after every append, so a flushed file always reads back as a complete data set.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";
import { checkAttributes, encodeAttribute, attributeNameProblem, type AttributeValue, type Attributes, type EncodedAttribute } from "./attributes.ts";
import { DataFileError } from "./data-file-error.ts";
import { COLUMN_TYPES, columnTypeInfo, columnTypeOf, widthProblem, type ColumnArray, type ColumnType } from "./column-types.ts";
import { checkColumnName, checkDataSetName, checkText, describe } from "./names.ts";
import * as layout from "./qmi-layout.ts";

/** A column of a data set to be written: its name, element type and, optionally, unit and description. */
export interface ColumnLayout {
  readonly name: string;
  readonly type: ColumnType;
  readonly unit?: string;
  readonly description?: string;
  /** Elements per row (1 to 2^24) for a two-dimensional column; not given: one element per row. */
  readonly width?: number;
}

/** A column of a data set being written, as checked: unit and description "" when not given. */
export type WriterColumn = Required<Omit<ColumnLayout, "width">> & { readonly width?: number };

/** A data set to be written row by row. */
export interface DataSetLayout {
  /** See `DataSetInit.name`. */
  readonly name: string;
  /** At least one column. */
  readonly columns: readonly ColumnLayout[];
  readonly attributes?: Attributes;
  /** POSIX seconds; now when not given. */
  readonly timestamp?: number;
  /** Rows per HDF5 chunk of every column; by default 256 KiB worth of each column's elements. */
  readonly chunkRows?: number;
}

/** The operations on an open file a writer needs (an `Hdf5File`). @internal */
export interface WriterFile {
  readonly path: string;
  kind(path: string): "group" | "dataset" | "other" | undefined;
  attributeNames(path: string): string[];
  setAttribute(path: string, name: string, attribute: EncodedAttribute): void;
  createGroup(path: string): void;
  createColumn(path: string, type: ColumnType, chunkRows: number, width?: number): void;
  appendToColumn(path: string, rows: number, data: ColumnArray, width?: number): void;
}

/** Bytes of one HDF5 chunk by default. */
const CHUNK_BYTES = 256 * 1024;

/** A data set in an open file, to which rows are appended. Made by `DataFile.createDataSet`. */
export class DataSetWriter {
  /** The columns, in order, with unit and description ("" when not given). */
  readonly columns: readonly WriterColumn[];
  private rows = 0;
  private broken: string | undefined;

  private constructor(
    private readonly file: WriterFile,
    /** The data set's name. */
    readonly name: string,
    columns: readonly WriterColumn[],
    private booleans: readonly string[],
  ) {
    this.columns = columns;
  }

  /**
   * Creates data set `spec` in `file`: checks it (InvalidArgumentError), refuses a name the file already holds
   * (DataFileError), and writes the group, its metadata and its empty columns. `expectedRows` caps the
   * default chunk size. @internal
   */
  static create(file: WriterFile, spec: DataSetLayout, expectedRows?: number): DataSetWriter {
    const { name, columns } = checkLayout(spec);
    const attributes = checkAttributes(spec.attributes, name);
    const timestamp = spec.timestamp ?? Date.now() / 1000;
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      throw new InvalidArgumentError(`The timestamp of data set "${name}" must be a finite number of POSIX seconds, got ${describe(timestamp)}`);
    }
    if (spec.chunkRows !== undefined && !(Number.isSafeInteger(spec.chunkRows) && spec.chunkRows >= 1 && spec.chunkRows <= 2 ** 24)) {
      throw new InvalidArgumentError(`chunkRows of data set "${name}" must be an integer from 1 to 2^24, got ${describe(spec.chunkRows)}`);
    }
    if (file.kind(`/${name}`) !== undefined) {
      throw new DataFileError(file.path, `Data file ${file.path} already holds "${name}"; give the data set another name or write to another file`);
    }
    const group = `/${name}`;
    const keys = layout.metadataKeys(name);
    const rootNames = file.attributeNames("/");
    let index = 0;
    while (rootNames.includes(layout.indexKey(index))) index++;
    file.setAttribute("/", layout.MARKER, int64(1));
    file.setAttribute("/", layout.indexKey(index), encodeAttribute(name, "name"));
    file.createGroup(group);
    const set = (key: string, value: AttributeValue) => file.setAttribute(group, key, encodeAttribute(value, key));
    file.setAttribute(group, layout.MARKER, int64(1));
    set(layout.NAME, name);
    set(layout.LAYOUT, "raw");
    set(keys.timestamp, timestamp);
    set(keys.timeString, layout.timeString(timestamp));
    file.setAttribute(group, keys.dataNdim, int64(2));
    file.setAttribute(group, keys.nAxes, int64(0));
    file.setAttribute(group, keys.ncol, int64(columns.length));
    file.setAttribute(group, keys.dimSize(0), int64(0));
    file.setAttribute(group, keys.dimSize(1), int64(columns.length));
    columns.forEach((column, col) => {
      set(keys.columnKey(col), column.name);
      set(keys.columnLabel(col), column.name);
      if (column.unit) set(keys.columnUnit(col), column.unit);
      if (column.description) set(keys.columnName(col), column.description);
      if (column.width !== undefined) file.setAttribute(group, keys.columnWidth(col), int64(column.width));
    });
    const booleans = Object.keys(attributes).filter((key) => encodeAttribute(attributes[key], key).boolean);
    if (booleans.length > 0) set(keys.booleanAttributes, booleans);
    for (const [key, value] of Object.entries(attributes)) set(key, value);
    for (const column of columns) {
      const path = `${group}/${column.name}`;
      const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / (columnTypeInfo(column.type).bytes * (column.width ?? 1))));
      file.createColumn(path, column.type, spec.chunkRows ?? Math.max(1, Math.min(perChunk, expectedRows ?? perChunk)), column.width);
      file.setAttribute(path, layout.COLUMN_LABEL, encodeAttribute(column.name, "name"));
      if (column.unit) file.setAttribute(path, layout.COLUMN_UNIT, encodeAttribute(column.unit, "unit"));
      if (column.description) file.setAttribute(path, layout.COLUMN_DESCRIPTION, encodeAttribute(column.description, "long_name"));
    }
    return new DataSetWriter(file, name, columns, booleans);
  }

  /** The number of rows written. */
  get rowCount(): number {
    return this.rows;
  }

  /**
   * Appends rows: `rows` holds one typed array per column, by column name, each of the column's type and all of the
   * same number of rows (a column with a width takes `rows × width` elements, row after row). Throws an InvalidArgumentError for rows that do not fit (nothing is written then), or a
   * DataFileError when the file fails, after which the writer refuses further rows.
   */
  appendRows(rows: Readonly<Record<string, ColumnArray>>): void {
    if (this.broken) throw new InvalidArgumentError(`Data set "${this.name}" in ${this.file.path} takes no more rows: an earlier append failed (${this.broken})`);
    const arrays = this.checkRows(rows);
    const count = arrays[0]!.length / (this.columns[0]!.width ?? 1);
    if (count === 0) return;
    try {
      this.columns.forEach((column, col) => this.file.appendToColumn(`/${this.name}/${column.name}`, this.rows, arrays[col]!, column.width));
      this.file.setAttribute(`/${this.name}`, layout.metadataKeys(this.name).dimSize(0), int64(this.rows + count));
    } catch (error) {
      this.broken = error instanceof Error ? error.message : String(error);
      throw error;
    }
    this.rows += count;
  }

  /** Sets (or replaces) a user attribute of the data set, under the same rules as `DataSetInit.attributes`. */
  setAttribute(name: string, value: AttributeValue): void {
    const problem = attributeNameProblem(name, this.name);
    if (problem) throw new InvalidArgumentError(problem);
    const encoded = encodeAttribute(value, `Attribute ${describe(name)} of data set "${this.name}"`);
    const group = `/${this.name}`;
    const key = layout.metadataKeys(this.name).booleanAttributes;
    const booleans = encoded.boolean ? [...new Set([...this.booleans, name])] : this.booleans.filter((n) => n !== name);
    if (booleans.length !== this.booleans.length) this.file.setAttribute(group, key, encodeAttribute(booleans, key));
    this.booleans = booleans;
    this.file.setAttribute(group, name, encoded);
  }

  private checkRows(rows: Readonly<Record<string, ColumnArray>>): ColumnArray[] {
    if (typeof rows !== "object" || rows === null) throw new InvalidArgumentError(`Rows for data set "${this.name}" must be an object of column name: typed array`);
    const names = new Set(this.columns.map((column) => column.name));
    const extra = Object.keys(rows).filter((key) => !names.has(key));
    if (extra.length > 0) throw new InvalidArgumentError(`Data set "${this.name}" has no column ${extra.map((key) => describe(key)).join(", ")}; its columns: ${[...names].join(", ")}`);
    const arrays = this.columns.map((column) => {
      const data = Object.hasOwn(rows, column.name) ? rows[column.name] : undefined;
      if (data === undefined) throw new InvalidArgumentError(`Rows for data set "${this.name}" lack column "${column.name}"`);
      const type = columnTypeOf(data);
      if (type !== column.type) throw new InvalidArgumentError(`Column "${column.name}" of data set "${this.name}" takes ${column.type} values, got ${describe(data)}`);
      if (column.width !== undefined && data.length % column.width !== 0) {
        throw new InvalidArgumentError(`Column "${column.name}" of data set "${this.name}" takes rows of ${column.width} elements, got ${data.length}, not a multiple of ${column.width}`);
      }
      return data;
    });
    const rowCounts = arrays.map((data, col) => data.length / (this.columns[col]!.width ?? 1));
    const uneven = rowCounts.findIndex((count) => count !== rowCounts[0]);
    if (uneven >= 0) {
      throw new InvalidArgumentError(
        `Rows for data set "${this.name}" must be of equal length: "${this.columns[0]!.name}" has ${rowCounts[0]}, "${this.columns[uneven]!.name}" ${rowCounts[uneven]}`,
      );
    }
    return arrays;
  }
}

function checkLayout(spec: DataSetLayout): { name: string; columns: WriterColumn[] } {
  if (typeof spec !== "object" || spec === null) throw new InvalidArgumentError(`A data set layout needs { name, columns }, got ${describe(spec)}`);
  checkDataSetName(spec.name);
  const name = spec.name;
  if (!Array.isArray(spec.columns) || spec.columns.length === 0) {
    throw new InvalidArgumentError(`Data set "${name}" needs at least one column, as an array of { name, type, unit?, description?, width? }`);
  }
  const seen = new Set<string>();
  const columns = spec.columns.map((column: ColumnLayout): WriterColumn => {
    const { name: columnName, type, unit = "", description = "", width } = column ?? {};
    checkColumnName(columnName, name);
    if (seen.has(columnName)) throw new InvalidArgumentError(`Data set "${name}" has two columns named ${describe(columnName)}`);
    seen.add(columnName);
    if (!COLUMN_TYPES.includes(type)) throw new InvalidArgumentError(`Column "${columnName}" of data set "${name}" has type ${describe(type)}; use one of ${COLUMN_TYPES.join(", ")}`);
    checkText(unit, `The unit of column "${columnName}" of data set "${name}"`);
    checkText(description, `The description of column "${columnName}" of data set "${name}"`);
    if (width === undefined) return { name: columnName, type, unit, description };
    const problem = widthProblem(width);
    if (problem) throw new InvalidArgumentError(`The width of column "${columnName}" of data set "${name}" ${problem}`);
    return { name: columnName, type, unit, description, width };
  });
  return { name, columns };
}

function int64(value: number): EncodedAttribute {
  return { data: BigInt64Array.of(BigInt(value)), shape: [], dtype: "<q", boolean: false };
}
