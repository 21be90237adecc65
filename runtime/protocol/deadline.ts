/**
 * Deadlines and cancellation for calls.
 *
 * @module
 */
import { CancelledError, DeadlineError } from "./errors.ts";
import { DEFAULT_CALL_TIMEOUT, type CallOptions } from "./call-options.ts";

/** The absolute deadline (ms since the epoch) of a call made with `options`. */
export function deadlineOf(options: CallOptions): number {
  const timeout = options.timeout ?? DEFAULT_CALL_TIMEOUT;
  if (!(timeout > 0)) throw new RangeError(`timeout must be a positive number of seconds, got ${timeout}`);
  return Date.now() + timeout * 1000;
}

/**
 * Settles like `work`, unless the deadline passes or `signal` aborts first; then rejects with a
 * {@link DeadlineError} or {@link CancelledError} naming `what` (the work itself is not interrupted).
 */
export function raceDeadline<T>(work: Promise<T>, deadline: number, what: string, signal?: AbortSignal): Promise<T> {
  if (deadline === Infinity && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      finish();
      reject(new CancelledError(`${what} was cancelled`));
    };
    const remaining = Math.max(0, deadline - Date.now());
    const timer =
      deadline === Infinity
        ? undefined
        : setTimeout(() => {
            finish();
            reject(new DeadlineError(`${what} did not complete within its deadline`));
          }, Math.min(remaining, 2 ** 31 - 1));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
