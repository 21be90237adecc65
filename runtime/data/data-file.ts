/**
 * An open HDF5 data file holding any number of data sets, one group each, laid out as Python QMI lays them out.
 *
 * ```ts
 * const file = await DataFile.open("run.h5", { mode: "append" });
 * try {
 *   file.writeDataSet(sweep);
 *   console.log(file.listDataSets().map((info) => `${info.name}: ${info.rowCount} rows`));
 * } finally {
 *   file.close();
 * }
 * ```
 *
 * Its methods are synchronous: HDF5 runs on the calling thread, blocking the event loop while it reads or writes
 * (about as long as writing the same bytes to disk). One process should open a file once at a time; a writer and a
 * reader of the same file in two processes need the writer to have flushed or closed it.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";
import { DataSet, type DataSetInit } from "./data-set.ts";
import { DataFileError } from "./data-file-error.ts";
import { dataSetNames, readColumns, readDataSetInfo, type DataSetInfo, type ReadOptions } from "./data-set-reader.ts";
import { DataSetWriter, type DataSetLayout } from "./data-set-writer.ts";
import { Hdf5File } from "./hdf5-file.ts";

/** How {@link DataFile.open} opens a file: read only (the default) or to add data sets too. */
export interface OpenOptions {
  readonly mode?: "read" | "append";
}

/** How {@link DataFile.create} creates a file. */
export interface CreateOptions {
  /** Replace an existing file (default false: an existing file is an error). */
  readonly overwrite?: boolean;
}

/** An open HDF5 file of data sets. Close it (in a `finally`) when done: closing writes everything to disk. */
export class DataFile {
  private constructor(
    private readonly file: Hdf5File,
    /** Whether data sets can be added. */
    readonly writable: boolean,
  ) {}

  /** Creates a new, empty data file at `path`; throws a DataFileError when it exists (unless `overwrite`) or cannot be made. */
  static async create(path: string, options: CreateOptions = {}): Promise<DataFile> {
    return new DataFile(await Hdf5File.open(path, options.overwrite ? "overwrite" : "create"), true);
  }

  /** Opens the existing HDF5 file at `path`; throws a DataFileError when it is missing or not an HDF5 file. */
  static async open(path: string, options: OpenOptions = {}): Promise<DataFile> {
    const mode = options.mode ?? "read";
    if (mode !== "read" && mode !== "append") throw new InvalidArgumentError(`DataFile.open: mode must be "read" or "append", got ${String(mode)}`);
    return new DataFile(await Hdf5File.open(path, mode), mode === "append");
  }

  /** The file's path, as given. */
  get path(): string {
    return this.file.path;
  }

  /** Adds data set `layout`, without rows yet; append them with the writer's `appendRows`. */
  createDataSet(layout: DataSetLayout): DataSetWriter {
    this.checkWritable(`add data set ${JSON.stringify(layout?.name)}`);
    return DataSetWriter.create(this.file, layout);
  }

  /** Adds `dataSet` (a DataSet, or what makes one) with all its rows. A name the file holds already is an error. */
  writeDataSet(dataSet: DataSet | DataSetInit): void {
    const set = dataSet instanceof DataSet ? dataSet : new DataSet(dataSet);
    this.checkWritable(`write data set "${set.name}"`);
    const writer = DataSetWriter.create(
      this.file,
      { name: set.name, columns: set.columns, attributes: set.attributes, timestamp: set.timestamp },
      set.rowCount,
    );
    writer.appendRows(Object.fromEntries(set.columns.map((column) => [column.name, column.data])));
  }

  /** Reads data set `name` with its data; throws a DataFileError when it is missing, malformed or larger than `maxBytes`. */
  readDataSet(name: string, options: ReadOptions = {}): DataSet {
    const info = readDataSetInfo(this.file, name, options);
    const data = readColumns(this.file, info);
    return new DataSet({
      name: info.name,
      columns: info.columns.map((column, col) => ({ ...column, data: data[col]! })),
      attributes: info.attributes,
      timestamp: info.timestamp,
    });
  }

  /** Describes data set `name` (columns, units, attributes, row count) without reading its data, whatever its size. */
  dataSetInfo(name: string): DataSetInfo {
    const { keys: _keys, ...info } = readDataSetInfo(this.file, name, { maxBytes: Infinity });
    return info;
  }

  /** The names of the data sets in the file, in the order they were added. */
  dataSetNames(): string[] {
    return dataSetNames(this.file);
  }

  /** Describes every data set in the file, in the order they were added. */
  listDataSets(): DataSetInfo[] {
    return this.dataSetNames().map((name) => this.dataSetInfo(name));
  }

  /** Writes everything written so far to disk: after a flush, the file reads back complete even if the process dies. */
  flush(): void {
    this.file.flush();
  }

  /** Flushes and closes the file; later calls do nothing. */
  close(): void {
    this.file.close();
  }

  private checkWritable(what: string): void {
    if (!this.writable) throw new DataFileError(this.path, `Cannot ${what}: data file ${this.path} is open for reading only; open it with { mode: "append" }`);
  }
}
