/**
 * The names of QMI's data set layout in HDF5 (Python QMI 0.54, `qmi.data.dataset` and `DataFolder`), which qmi-ts
 * writes and reads so that the files are interchangeable where the concepts match:
 *
 * - the file's root carries `QMI_Dataset = 1` and `QMI_Dataset_name_<n> = <name>` for the n-th data set (n from 0);
 * - each data set is a group `/<name>` carrying `QMI_Dataset = 1`, `QMI_Dataset_name`, `QMI_Dataset_layout`
 *   (`"raw"`), and attributes prefixed with the name: `<name>_timestamp` (POSIX seconds), `<name>_time_str` (UTC,
 *   `YYYY-MM-DDTHH:MM:SS`), `<name>_data_ndim`, `<name>_n_axes`, `<name>_ncol`, `<name>_dim<i>_size`, and per
 *   column `<name>_column<c>_key` (the HDF5 dataset holding it), `_label`, `_unit` and `_name` (a longer
 *   description), the last two only when not empty; then the user's attributes;
 * - each column is a one-dimensional dataset `/<name>/<key>` carrying `name`, and `unit` and `long_name` when set.
 *
 * qmi-ts adds `<name>_boolean_attributes` (the names of the attributes that are booleans) and, for a column of
 * fixed-width rows, `<name>_column<c>_width` (its dataset is two-dimensional, `[rows, width]`), which QMI's reader
 * skips like its own metadata.
 *
 * @module
 * @internal
 */

/** Marks the root and the groups of data sets (value 1). */
export const MARKER = "QMI_Dataset";
/** A data set group's name. */
export const NAME = "QMI_Dataset_name";
/** `"raw"` (plain columns) or `"axis"` (QMI's measurement axes). */
export const LAYOUT = "QMI_Dataset_layout";
/** The column datasets' own attributes. */
export const COLUMN_LABEL = "name";
export const COLUMN_UNIT = "unit";
export const COLUMN_DESCRIPTION = "long_name";

/** The root attribute naming the `n`-th data set of a file. */
export function indexKey(n: number): string {
  return `${NAME}_${n}`;
}

/** The root attributes that name data sets, with their number. */
export const INDEX_KEY = /^QMI_Dataset_name_(\d+)$/;

/** The metadata attribute names of the data set whose attributes are prefixed `prefix`. */
export function metadataKeys(prefix: string) {
  return {
    timestamp: `${prefix}_timestamp`,
    timeString: `${prefix}_time_str`,
    dataNdim: `${prefix}_data_ndim`,
    nAxes: `${prefix}_n_axes`,
    ncol: `${prefix}_ncol`,
    dimSize: (dim: number) => `${prefix}_dim${dim}_size`,
    columnKey: (col: number) => `${prefix}_column${col}_key`,
    columnLabel: (col: number) => `${prefix}_column${col}_label`,
    columnUnit: (col: number) => `${prefix}_column${col}_unit`,
    columnName: (col: number) => `${prefix}_column${col}_name`,
    columnWidth: (col: number) => `${prefix}_column${col}_width`,
    booleanAttributes: `${prefix}_boolean_attributes`,
  };
}

/** QMI's `time_str`: the UTC time of `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SS`. */
export function timeString(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19);
}
