/**
 * The cancellation the dispatcher listens to while a call waits or runs: a caller's `AbortSignal`, a channel
 * stream's, or the lighter {@link CallCancellation} of an incoming unary call.
 *
 * @module
 */

/** A listener object, as `AbortSignal` takes them (the dispatcher's calls are their own listeners). */
export interface AbortListener {
  handleEvent(): void;
}

/** What the dispatcher needs of a cancellation signal; an `AbortSignal` is one. */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: AbortListener, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: AbortListener): void;
}

/**
 * A one-shot cancellation for one incoming call. Every unary call needs one and almost none is ever cancelled:
 * an `AbortController` with a listener added and removed per call measured ≈ 13 µs more latency per call than
 * this (a Python grpcio client against the same handler).
 */
export class CallCancellation implements CancelSignal {
  #aborted = false;
  #listeners: AbortListener[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Adds `listener`, called once on {@link abort} (listeners are always once). */
  addEventListener(_type: "abort", listener: AbortListener): void {
    if (!this.#aborted) (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: AbortListener): void {
    const listeners = this.#listeners;
    const index = listeners ? listeners.indexOf(listener) : -1;
    if (index >= 0) listeners!.splice(index, 1);
  }

  /** Cancels: every listener is called once; later calls change nothing. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    for (const listener of listeners) listener.handleEvent();
  }
}
