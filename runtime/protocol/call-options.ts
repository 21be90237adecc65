/**
 * Per-call options and the default deadline.
 *
 * @module
 */

/** Options every proxy method accepts as its last argument. */
export interface CallOptions {
  /** Seconds to wait for the answer before the call fails with a `DeadlineError`. */
  readonly timeout?: number;
  /** Cancels the call; the call fails with a `CancelledError`. */
  readonly signal?: AbortSignal;
}

/** Default call timeout in seconds, when neither the call nor the proxy sets one. */
export const DEFAULT_CALL_TIMEOUT = 30;
