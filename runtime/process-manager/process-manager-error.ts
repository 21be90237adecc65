/**
 * The error `qmi proc` and its modules raise when a process cannot be started, stopped or reached.
 *
 * @module
 */
import { QmiError } from "../protocol/errors.ts";

/**
 * A managed process could not be started, stopped or reached; the message says which context, what happened and
 * what to do (e.g. where its output file is).
 */
export class ProcessManagerError extends QmiError {}
