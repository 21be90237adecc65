/**
 * Data sets in HDF5 files (`import { DataSet, writeDataSet, readDataSet } from "qmi-ts/data"`): named typed
 * columns with units and descriptions, attributes, several data sets per file, laid out as Python QMI lays out its
 * `DataSet`s so that QMI, h5py and qmi-ts read each other's files.
 *
 * ```ts
 * import { DataSet, readDataSet, writeDataSet } from "qmi-ts/data";
 *
 * await writeDataSet("run.h5", new DataSet({
 *   name: "sweep",
 *   columns: [
 *     { name: "frequency", data: Float64Array.of(1e3, 2e3), unit: "Hz" },
 *     { name: "counts", data: Uint32Array.of(17, 42) },
 *   ],
 *   attributes: { operator: "ada", averages: 16 },
 * }));
 * const sweep = await readDataSet("run.h5", "sweep");
 * ```
 *
 * Files are read and written with h5wasm (HDF5's C library compiled to WebAssembly). `DataFile` keeps a file open
 * to add data sets or append rows (`createDataSet(...).appendRows(...)`); its calls are synchronous.
 *
 * @module
 */
export { DataSet } from "./data-set.ts";
export type { Column, ColumnInit, DataSetInit } from "./data-set.ts";
export { COLUMN_TYPES, MAX_COLUMN_WIDTH, columnTypeOf } from "./column-types.ts";
export type { ColumnArray, ColumnType } from "./column-types.ts";
export type { AttributeValue, Attributes } from "./attributes.ts";
export { writeDataSet, readDataSet, listDataSets } from "./data-set-files.ts";
export { DataFile } from "./data-file.ts";
export type { OpenOptions, CreateOptions } from "./data-file.ts";
export { DataSetWriter } from "./data-set-writer.ts";
export type { DataSetLayout, ColumnLayout } from "./data-set-writer.ts";
export { DEFAULT_MAX_BYTES } from "./data-set-reader.ts";
export type { ReadOptions, DataSetInfo, ColumnInfo } from "./data-set-reader.ts";
export { DataFileError } from "./data-file-error.ts";
