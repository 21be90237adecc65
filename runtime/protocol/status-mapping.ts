/**
 * The one place where qmi-ts errors become gRPC statuses and back.
 *
 * A failed call ends with a status code and the trailer `qmi-error: <ErrorClass>`; the client rethrows that class
 * with the server's message. Statuses without the trailer (from gRPC itself) map by code.
 *
 * @module
 */
import { Metadata, status as Status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import {
  CancelledError,
  ConnectionError,
  DeadlineError,
  InstrumentError,
  InvalidArgumentError,
  QmiError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnknownNameError,
  errorClasses,
  type QmiErrorCode,
} from "./errors.ts";

/** Trailer naming the error class of a failed call. */
export const ERROR_CLASS_TRAILER = "qmi-error";

const statusByCode: Record<QmiErrorCode, Status> = {
  QMI_ERROR: Status.UNKNOWN,
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  NOT_OPEN: Status.FAILED_PRECONDITION,
  USAGE: Status.FAILED_PRECONDITION,
  LOCKED: Status.FAILED_PRECONDITION,
  UNKNOWN_NAME: Status.NOT_FOUND,
  DEADLINE: Status.DEADLINE_EXCEEDED,
  CANCELLED: Status.CANCELLED,
  INSTRUMENT: Status.UNKNOWN,
  CONNECTION: Status.UNAVAILABLE,
  NOT_GENERATED: Status.UNIMPLEMENTED,
  SUBSCRIPTION_ENDED: Status.ABORTED,
  TASK_INIT: Status.FAILED_PRECONDITION,
  TASK_RUN: Status.ABORTED,
  TASK_STOPPED: Status.CANCELLED,
  TRANSPORT: Status.UNAVAILABLE,
  TRANSPORT_TIMEOUT: Status.DEADLINE_EXCEEDED,
  END_OF_INPUT: Status.UNAVAILABLE,
  UNAUTHENTICATED: Status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: Status.RESOURCE_EXHAUSTED,
};

/** The gRPC status for an error raised while serving a call. */
export function toStatus(reason: unknown): Partial<StatusObject> {
  const error = QmiError.from(reason);
  const metadata = new Metadata();
  metadata.set(ERROR_CLASS_TRAILER, errorClasses.has(error.name) ? error.name : "QmiError");
  return { code: statusByCode[error.code], details: error.message, metadata };
}

const classByStatus: Partial<Record<Status, new (message: string) => QmiError>> = {
  [Status.INVALID_ARGUMENT]: InvalidArgumentError,
  [Status.NOT_FOUND]: UnknownNameError,
  [Status.DEADLINE_EXCEEDED]: DeadlineError,
  [Status.CANCELLED]: CancelledError,
  [Status.UNAVAILABLE]: ConnectionError,
  [Status.UNAUTHENTICATED]: UnauthenticatedError,
  [Status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
};

/** The error to throw for a failed call, given the gRPC status the client received. */
export function fromStatus(error: ServiceError, what: string): QmiError {
  const className = error.metadata?.get(ERROR_CLASS_TRAILER)[0];
  const errorClass =
    (typeof className === "string" ? errorClasses.get(className) : undefined) ??
    classByStatus[error.code] ??
    InstrumentError;
  const details = error.details || Status[error.code];
  const message = className || error.code === Status.UNKNOWN ? details : `${what}: ${details}`;
  const result = new errorClass(message);
  Object.defineProperty(result, "cause", { value: error, enumerable: false });
  return result;
}
