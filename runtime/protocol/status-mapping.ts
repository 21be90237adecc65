/**
 * The one place where qmi-ts errors become gRPC statuses and back.
 *
 * A failed call ends with a status code and the trailer `qmi-error: <ErrorClass>` (on the call channel, the same
 * two in the fields of its answer: {@link WireError}); the client rethrows that class with the server's message.
 * Statuses without the trailer (from gRPC itself) map by code.
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

/**
 * A failed call as the wire carries it, whatever the path: the gRPC status code, the message, and the `qmi-error`
 * class name (empty when gRPC itself failed the call). A unary call sends it as its status and trailer, the call
 * channel as the fields of a `ChannelAnswer`.
 */
export interface WireError {
  readonly code: Status;
  readonly message: string;
  readonly errorClass: string;
}

/** The wire form of an error raised while serving a call. */
export function errorToWire(reason: unknown): WireError {
  const error = QmiError.from(reason);
  return { code: statusByCode[error.code], message: error.message, errorClass: errorClasses.has(error.name) ? error.name : "QmiError" };
}

/** The gRPC status (with the `qmi-error` trailer) for an error raised while serving a call. */
export function toStatus(reason: unknown): Partial<StatusObject> {
  const wire = errorToWire(reason);
  const metadata = new Metadata();
  metadata.set(ERROR_CLASS_TRAILER, wire.errorClass);
  return { code: wire.code, details: wire.message, metadata };
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

/**
 * The error to throw for a failed call: the class the server named, else the class of the status code; the
 * message is the server's, prefixed with `what` (the call) when gRPC itself failed it. `cause`, when given, is
 * kept as the error's (non-enumerable) cause.
 */
export function errorFromWire(wire: WireError, what: string, cause?: unknown): QmiError {
  const errorClass = (wire.errorClass ? errorClasses.get(wire.errorClass) : undefined) ?? classByStatus[wire.code] ?? InstrumentError;
  const details = wire.message || Status[wire.code];
  const message = wire.errorClass || wire.code === Status.UNKNOWN ? details : `${what}: ${details}`;
  const result = new errorClass(message);
  if (cause !== undefined) Object.defineProperty(result, "cause", { value: cause, enumerable: false });
  return result;
}

/** The error to throw for a failed call, given the gRPC status the client received. */
export function fromStatus(error: ServiceError, what: string): QmiError {
  const className = error.metadata?.get(ERROR_CLASS_TRAILER)[0];
  return errorFromWire({ code: error.code, message: error.details, errorClass: typeof className === "string" ? className : "" }, what, error);
}
