/**
 * A data set: named columns of equal length, each a typed array with a unit and a description, plus attributes and
 * a time stamp — the table a measurement produces, and what `writeDataSet` stores as one group of an HDF5 file.
 *
 * ```ts
 * const sweep = new DataSet({
 *   name: "sweep",
 *   columns: [
 *     { name: "frequency", data: Float64Array.of(1e3, 2e3, 3e3), unit: "Hz" },
 *     { name: "amplitude", data: Float32Array.of(0.5, 0.7, 0.2), unit: "V", description: "peak amplitude" },
 *   ],
 *   attributes: { instrument: "nsg", averages: 16 },
 * });
 * ```
 *
 * A column may hold rows of a fixed `width` (a trace of 1000 samples per row, say): its `data` is then one flat typed
 * array of `rows × width` elements, row after row, stored as an HDF5 dataset of shape `[rows, width]`:
 *
 * ```ts
 * new DataSet({ name: "traces", columns: [
 *   { name: "time", data: Float64Array.of(0, 1) },
 *   { name: "samples", data: Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), width: 3, unit: "V" }, // 2 rows of 3
 * ] });
 * ```
 *
 * A data set keeps the typed arrays it is given (no copy): change one and the data set changes. It is not safe to
 * change them while a write of the data set runs.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";
import { checkAttributes, type Attributes } from "./attributes.ts";
import { COLUMN_TYPES, columnTypeOf, widthProblem, type ColumnArray, type ColumnType } from "./column-types.ts";
import { checkColumnName, checkDataSetName, checkText, describe } from "./names.ts";

/** A column as given to a data set: its values and, optionally, its unit and description. */
export interface ColumnInit {
  /** Unique within the data set; not empty, no `/`. */
  readonly name: string;
  readonly data: ColumnArray;
  /** Physical unit, e.g. `"Hz"`; empty when not given. */
  readonly unit?: string;
  /** A longer description (QMI's column "name"); empty when not given. */
  readonly description?: string;
  /**
   * Elements per row, for a column of rows of fixed width (1 to 2^24): `data` then holds `rows × width` elements,
   * row after row. Not given: one element per row (a one-dimensional column).
   */
  readonly width?: number;
}

/** A column of a data set. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** The values, row after row: `rows × width` elements when the column has a width. */
  readonly data: ColumnArray;
  readonly unit: string;
  readonly description: string;
  /** Elements per row of a two-dimensional column (HDF5 shape `[rows, width]`); absent for one element per row. */
  readonly width?: number;
}

/** What a data set is made of. */
export interface DataSetInit {
  /** The name of its group in a file: 1 to 255 characters, no `/` or NUL, not `.` or `..`. */
  readonly name: string;
  /** At least one column, all of the same number of rows (which may be 0). */
  readonly columns: readonly ColumnInit[];
  /** JSON-like values (see `AttributeValue`); names must not begin with the data set's name (QMI's rule). */
  readonly attributes?: Attributes;
  /** When the data was taken, in POSIX seconds (QMI's time stamp); now when not given. */
  readonly timestamp?: number;
}

/** A named table of typed columns with units, descriptions and attributes. */
export class DataSet {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly attributes: Attributes;
  /** POSIX seconds. */
  readonly timestamp: number;

  /** Checks `init` and builds the data set; throws an InvalidArgumentError saying what is wrong. */
  constructor(init: DataSetInit) {
    if (typeof init !== "object" || init === null) throw new InvalidArgumentError(`A data set needs { name, columns }, got ${describe(init)}`);
    checkDataSetName(init.name);
    this.name = init.name;
    this.columns = Object.freeze(checkColumns(init.columns, init.name));
    this.attributes = Object.freeze(checkAttributes(init.attributes, init.name));
    const timestamp = init.timestamp ?? Date.now() / 1000;
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      throw new InvalidArgumentError(`The timestamp of data set "${init.name}" must be a finite number of POSIX seconds, got ${describe(timestamp)}`);
    }
    this.timestamp = timestamp;
  }

  /** The number of rows (the length of every column, divided by its width). */
  get rowCount(): number {
    return rowsOf(this.columns[0]!);
  }

  /** The column named `name`, or undefined. */
  column(name: string): Column | undefined {
    return this.columns.find((column) => column.name === name);
  }

  /** The column named `name`; throws an InvalidArgumentError naming the columns there are. */
  columnOrThrow(name: string): Column {
    const column = this.column(name);
    if (!column) {
      throw new InvalidArgumentError(`Data set "${this.name}" has no column ${describe(name)}; its columns: ${this.columns.map((c) => c.name).join(", ")}`);
    }
    return column;
  }
}

function checkColumns(columns: unknown, dataSet: string): Column[] {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new InvalidArgumentError(`Data set "${dataSet}" needs at least one column, as an array of { name, data, unit?, description? }`);
  }
  const seen = new Set<string>();
  const checked = (columns as unknown[]).map((column): Column => {
    if (typeof column !== "object" || column === null) throw new InvalidArgumentError(`A column of data set "${dataSet}" is ${describe(column)}, not { name, data }`);
    const { name, data, unit = "", description = "", width } = column as Partial<ColumnInit>;
    checkColumnName(name, dataSet);
    if (seen.has(name)) throw new InvalidArgumentError(`Data set "${dataSet}" has two columns named ${describe(name)}`);
    seen.add(name);
    const type = columnTypeOf(data);
    if (type === undefined) {
      throw new InvalidArgumentError(
        `Column "${name}" of data set "${dataSet}" holds ${describe(data)}; a column is a typed array of ${COLUMN_TYPES.join(", ")} (Float64Array ... BigUint64Array)`,
      );
    }
    checkText(unit, `The unit of column "${name}" of data set "${dataSet}"`);
    checkText(description, `The description of column "${name}" of data set "${dataSet}"`);
    if (width === undefined) return Object.freeze({ name, type, data: data as ColumnArray, unit, description });
    const problem = widthProblem(width);
    if (problem) throw new InvalidArgumentError(`The width of column "${name}" of data set "${dataSet}" ${problem}`);
    if (data!.length % width !== 0) {
      throw new InvalidArgumentError(`Column "${name}" of data set "${dataSet}" has rows of ${width} elements, but holds ${data!.length}, not a multiple of ${width}`);
    }
    return Object.freeze({ name, type, data: data as ColumnArray, unit, description, width });
  });
  const rows = rowsOf(checked[0]!);
  const uneven = checked.find((column) => rowsOf(column) !== rows);
  if (uneven) {
    throw new InvalidArgumentError(
      `The columns of data set "${dataSet}" must be of equal length: "${checked[0]!.name}" has ${rows} rows, "${uneven.name}" ${rowsOf(uneven)}`,
    );
  }
  return checked;
}

function rowsOf(column: Column): number {
  return column.data.length / (column.width ?? 1);
}
