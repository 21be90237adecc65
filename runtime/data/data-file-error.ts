/**
 * The error of a data file that cannot be opened, read or written.
 *
 * @module
 */
import { QmiError } from "../protocol/errors.ts";

/**
 * A data file could not be opened, read or written, or does not hold what it claims: the message names the file and
 * what is wrong. Data sets refused before any file is touched (a bad name, columns of unequal length, an attribute
 * value HDF5 cannot hold) are `InvalidArgumentError`s instead.
 */
export class DataFileError extends QmiError {
  /** The file, as it was named to the call that failed. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}
