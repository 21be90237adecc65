/**
 * One call per file operation: each opens the file, does its work, and closes the file again whatever happens.
 *
 * ```ts
 * await writeDataSet("run.h5", sweep);                 // creates run.h5, or adds to it
 * const again = await readDataSet("run.h5", "sweep");
 * for (const info of await listDataSets("run.h5")) console.log(info.name, info.rowCount);
 * ```
 *
 * @module
 */
import { existsSync } from "node:fs";
import { DataFile } from "./data-file.ts";
import type { DataSet, DataSetInit } from "./data-set.ts";
import type { DataSetInfo, ReadOptions } from "./data-set-reader.ts";

/**
 * Writes `dataSet` to the HDF5 file `file`, creating the file when it does not exist and adding a group to it when
 * it does. A data set refused as input is an InvalidArgumentError; a file that cannot be opened or written, or that
 * holds a data set of the same name already, is a DataFileError.
 */
export async function writeDataSet(file: string, dataSet: DataSet | DataSetInit): Promise<void> {
  const opening = existsSync(file) ? DataFile.open(file, { mode: "append" }) : DataFile.create(file);
  return using(await opening, (open) => open.writeDataSet(dataSet));
}

/** Reads data set `name` from the HDF5 file `file` (see {@link DataFile.readDataSet}). */
export async function readDataSet(file: string, name: string, options: ReadOptions = {}): Promise<DataSet> {
  return using(await DataFile.open(file), (open) => open.readDataSet(name, options));
}

/** Describes every data set in the HDF5 file `file`, without reading their data. */
export async function listDataSets(file: string): Promise<DataSetInfo[]> {
  return using(await DataFile.open(file), (open) => open.listDataSets());
}

/** Runs `use` on `file` and closes it; when `use` fails, that error is the one thrown, not a failure to close. */
function using<T>(file: DataFile, use: (file: DataFile) => T): T {
  let result: T;
  try {
    result = use(file);
  } catch (error) {
    try {
      file.close();
    } catch {
      // The first error says more.
    }
    throw error;
  }
  file.close();
  return result;
}
