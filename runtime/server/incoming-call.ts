/**
 * A call as the server receives it, whatever carried it: a unary gRPC call (fields from its metadata and
 * deadline) or a message of the `qmi.core.Channel` stream (fields from the envelope). Each RPC of a hosted
 * object's service and of `qmi.core.Lock` has one {@link CallHandler}, shared by both transports, so decoding,
 * dispatch, encoding and errors are the same code on both paths.
 *
 * @module
 */
import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { DEADLINE_METADATA, clockValue, isSameHost } from "../protocol/caller-clock.ts";
import { CallCancellation, type CancelSignal } from "../protocol/cancel-signal.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { DeadlineError } from "../protocol/errors.ts";
import { toStatus } from "../protocol/status-mapping.ts";
import { CONTEXT_METADATA, LEASE_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA, firstString } from "../protocol/metadata-keys.ts";
import type { CallRecord } from "../protocol/call-record.ts";

/** One incoming call, transport-independent. */
export interface IncomingCall extends CallRecord {
  /** The decoded request message. */
  readonly request: WireMessage;
  /** The lease a `qmi.core.Lock/Lock` is tied to (`qmi-lease`), when given. */
  readonly leaseId: string | undefined;
  /** Aborted when the caller cancels. */
  readonly signal: CancelSignal;
  /**
   * What carried the call (the grpc-js call or stream), when known: its `getPeer()` (the client's address and port)
   * names the client's connection. Read only where needed, e.g. to count a client's waiting `Lock` calls.
   */
  readonly via?: { getPeer(): string };
}

/** Serves one RPC: resolves with the response message, rejects with the error to report. */
export type CallHandler = (call: IncomingCall) => Promise<WireMessage>;

/**
 * The cancellation of a unary call: aborts when the client cancels before {@link UnaryCancellation.answered}.
 * grpc-js emits `cancelled` whenever a call's stream closes, also after a normal answer: aborting then (an
 * `AbortController` builds an `AbortError` with its stack trace) measured 35–45 µs more per call for a Python
 * grpcio client. A class rather than an object of closures: under tsx each named closure made per call costs an
 * `Object.defineProperty`.
 */
class UnaryCancellation extends CallCancellation {
  #answered = false;

  constructor(call: ServerUnaryCall<WireMessage, WireMessage>) {
    super();
    call.on("cancelled", () => {
      if (!this.#answered) this.abort();
    });
  }

  /** Call just before answering. */
  answered(): void {
    this.#answered = true;
  }
}

/**
 * The absolute deadline of a unary call, ms since the epoch (`Infinity` for none): gRPC's, counted from when the
 * call was read, or earlier when a caller on this host sent its own deadline ({@link DEADLINE_METADATA}).
 */
function unaryDeadline(call: ServerUnaryCall<WireMessage, WireMessage>): number {
  const grpcDeadline = call.getDeadline();
  const deadline = grpcDeadline instanceof Date ? grpcDeadline.getTime() : grpcDeadline;
  const callerDeadline = clockValue(firstString(call.metadata, DEADLINE_METADATA));
  return callerDeadline !== undefined && callerDeadline < deadline && isSameHost(call.getPeer()) ? callerDeadline : deadline;
}

/** The grpc-js unary handler serving `handler`: fields from metadata, errors as status plus `qmi-error`. */
export function unaryHandler(handler: CallHandler) {
  return (call: ServerUnaryCall<WireMessage, WireMessage>, callback: sendUnaryData<WireMessage>): void => {
    const deadline = unaryDeadline(call);
    if (deadline <= Date.now()) {
      // Its caller has been told DEADLINE_EXCEEDED already (the server was slow to read it): it must not run.
      callback(toStatus(new DeadlineError(`${call.getPath()} expired before it started (its caller's deadline had passed when it arrived)`)));
      return;
    }
    const cancellation = new UnaryCancellation(call);
    const metadata = call.metadata;
    let outcome: Promise<WireMessage>;
    try {
      outcome = handler({
        request: call.request,
        object: firstString(metadata, OBJECT_METADATA),
        callerContext: firstString(metadata, CONTEXT_METADATA),
        lockToken: firstString(metadata, LOCK_TOKEN_METADATA),
        leaseId: firstString(metadata, LEASE_METADATA),
        deadline,
        signal: cancellation,
        via: call,
      });
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (response) => {
        cancellation.answered();
        callback(null, response);
      },
      (error: unknown) => {
        cancellation.answered();
        callback(toStatus(error));
      },
    );
  };
}
