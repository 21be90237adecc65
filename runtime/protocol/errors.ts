/**
 * The error classes of qmi-ts. Every error a script sees is a {@link QmiError} with a stable `code`; remote calls
 * rethrow the same class as the server raised (the class travels in the `qmi-error` trailer).
 *
 * @module
 */

/** Stable error codes, one per error class. */
export type QmiErrorCode =
  | "QMI_ERROR"
  | "INVALID_ARGUMENT"
  | "NOT_OPEN"
  | "USAGE"
  | "UNKNOWN_NAME"
  | "DEADLINE"
  | "CANCELLED"
  | "INSTRUMENT"
  | "CONNECTION"
  | "NOT_GENERATED"
  | "LOCKED"
  | "SUBSCRIPTION_ENDED"
  | "TASK_INIT"
  | "TASK_RUN"
  | "TASK_STOPPED"
  | "TRANSPORT"
  | "TRANSPORT_TIMEOUT"
  | "END_OF_INPUT"
  | "UNAUTHENTICATED"
  | "RESOURCE_EXHAUSTED";

/** Base class of all qmi-ts errors. */
export class QmiError extends Error {
  /** Stable code of this error class. */
  readonly code: QmiErrorCode = "QMI_ERROR";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Normalises anything thrown into a QmiError, keeping QmiErrors as they are. */
  static from(reason: unknown): QmiError {
    if (reason instanceof QmiError) return reason;
    if (reason instanceof Error) return new InstrumentError(reason.message, { cause: reason });
    return new InstrumentError(String(reason));
  }
}

/** An argument had the wrong type or an invalid value. */
export class InvalidArgumentError extends QmiError {
  override readonly code = "INVALID_ARGUMENT";
}

/** A method of an instrument was called while the instrument was not open. */
export class NotOpenError extends QmiError {
  override readonly code = "NOT_OPEN";
}

/** An operation was used in a state that does not allow it (opening an open instrument, starting twice...). */
export class UsageError extends QmiError {
  override readonly code = "USAGE";
}

/** A context, object, method or peer name does not exist. */
export class UnknownNameError extends QmiError {
  override readonly code = "UNKNOWN_NAME";
}

/** A call did not complete before its deadline. */
export class DeadlineError extends QmiError {
  override readonly code = "DEADLINE";
}

/** A call was cancelled by its caller (an AbortSignal). */
export class CancelledError extends QmiError {
  override readonly code = "CANCELLED";
}

/** A driver's own failure: the instrument or its driver raised an error. */
export class InstrumentError extends QmiError {
  override readonly code = "INSTRUMENT";
}

/** A peer context could not be reached, or the connection was lost. */
export class ConnectionError extends QmiError {
  override readonly code = "CONNECTION";
}

/** A class has no generated code, so it cannot be reached remotely. */
export class NotGeneratedError extends QmiError {
  override readonly code = "NOT_GENERATED";
}

/** The object is locked by another proxy. */
export class LockedError extends QmiError {
  override readonly code = "LOCKED";
}

/** A signal subscription ended: its publisher was removed, its context stopped or the peer was lost. */
export class SubscriptionEndedError extends QmiError {
  override readonly code = "SUBSCRIPTION_ENDED";
}

/** A task could not be created: its constructor threw (the cause is the original error). */
export class TaskInitError extends QmiError {
  override readonly code = "TASK_INIT";
}

/** A task's `run()` failed; `join()` rethrows this with the task's error as cause. */
export class TaskRunError extends QmiError {
  override readonly code = "TASK_RUN";
}

/** A transport (serial port, socket, USB device) failed: it could not be opened, or a write or read failed. */
export class TransportError extends QmiError {
  override readonly code = "TRANSPORT";
}

/** A transport read did not complete in time; the bytes received so far stay buffered for the next read. */
export class TransportTimeoutError extends QmiError {
  override readonly code = "TRANSPORT_TIMEOUT";
}

/** The other side closed the connection (or the device went away) before the requested input arrived. */
export class EndOfInputError extends QmiError {
  override readonly code = "END_OF_INPUT";
}

/** Thrown by `Task.sleep()` when the task is asked to stop; the runner treats it as a normal end of `run()`. */
export class TaskStoppedError extends QmiError {
  override readonly code = "TASK_STOPPED";
}

/**
 * A call or stream was refused because it did not carry this context's shared-secret token (`qmi-auth-token`
 * metadata), or carried another one: set `security.token` or `security.token_file` in the caller's configuration.
 */
export class UnauthenticatedError extends QmiError {
  override readonly code = "UNAUTHENTICATED";
}

/**
 * A limit was reached: a message larger than `security.max_message_bytes` (the sender's or the receiver's), or
 * another bounded resource of the peer. Send less per call, or raise the limit on both sides.
 */
export class ResourceExhaustedError extends QmiError {
  override readonly code = "RESOURCE_EXHAUSTED";
}

/** Error classes by name, used to rethrow a remote error as the class the server raised. */
export const errorClasses: ReadonlyMap<string, new (message: string) => QmiError> = new Map<
  string,
  new (message: string) => QmiError
>([
  ["QmiError", QmiError],
  ["InvalidArgumentError", InvalidArgumentError],
  ["NotOpenError", NotOpenError],
  ["UsageError", UsageError],
  ["UnknownNameError", UnknownNameError],
  ["DeadlineError", DeadlineError],
  ["CancelledError", CancelledError],
  ["InstrumentError", InstrumentError],
  ["ConnectionError", ConnectionError],
  ["NotGeneratedError", NotGeneratedError],
  ["LockedError", LockedError],
  ["SubscriptionEndedError", SubscriptionEndedError],
  ["TaskInitError", TaskInitError],
  ["TaskRunError", TaskRunError],
  ["TaskStoppedError", TaskStoppedError],
  ["TransportError", TransportError],
  ["TransportTimeoutError", TransportTimeoutError],
  ["EndOfInputError", EndOfInputError],
  ["UnauthenticatedError", UnauthenticatedError],
  ["ResourceExhaustedError", ResourceExhaustedError],
]);
