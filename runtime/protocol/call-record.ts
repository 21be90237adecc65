/**
 * What travels with every call, from the proxy to `dispatch()`, on every path: in-process, unary gRPC and the
 * call channel. Each path's own record (`DispatchRequest`, `PeerCall`, `ChannelCallRequest`, `IncomingCall`, ...)
 * extends this one, so a field has one name and one meaning everywhere; on the wire the same fields are the
 * metadata `qmi-object`, `qmi-context`, `qmi-lock-token` and the deadline (or the fields of a `ChannelCall`).
 *
 * @module
 */
import type { CancelSignal } from "./cancel-signal.ts";

/** The common part of a call record; `Signal` is the caller's `AbortSignal`, or the server's {@link CancelSignal}. */
export interface CallRecord<Signal extends CancelSignal | AbortSignal = CancelSignal> {
  /** The object called (`qmi-object`); a remote service with one object may be called without naming it. */
  readonly object?: string;
  /** The calling context's name (`qmi-context`), when known. */
  readonly callerContext?: string;
  /** The caller's lock token (`qmi-lock-token`): the calls of a proxy holding a lock carry the lock's token. */
  readonly lockToken?: string;
  /** Absolute deadline, ms since the epoch (`Infinity` for none). */
  readonly deadline: number;
  /** Aborted when the caller gives up. */
  readonly signal?: Signal;
}
