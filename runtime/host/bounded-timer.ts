/**
 * Timers for delays that come from outside (a client's lock timeout, a task's sleep, a loop period): `setTimeout`
 * takes at most 2³¹ − 1 ms (24.8 days) and turns anything longer, `Infinity` included, into 1 ms with a
 * `TimeoutOverflowWarning`, so a wait meant to last for ever would wake every millisecond and busy the process.
 * A {@link BoundedTimer} never does: a longer delay is slept in steps, `Infinity` means never, and a negative or
 * NaN delay means now.
 *
 * ```ts
 * const timer = new BoundedTimer(() => wake(), seconds * 1000);
 * ...
 * timer.cancel();
 * ```
 *
 * @module
 */

/** The longest delay `setTimeout` honours, ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A one-shot timer for any delay. */
export class BoundedTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due: number;
  #unref = false;

  /** Calls `callback` once after `ms` milliseconds (`Infinity`: never; negative or NaN: at once, asynchronously). */
  constructor(
    private readonly callback: () => void,
    ms: number,
  ) {
    const delay = ms > 0 ? ms : 0;
    this.#due = performance.now() + delay;
    if (delay !== Infinity) this.#arm(delay);
  }

  /** True until the timer fired or was cancelled. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the timer; its callback will not be called. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Lets the process exit while the timer is pending, like `Timeout.unref()`. */
  unref(): this {
    this.#unref = true;
    this.#timer?.unref();
    return this;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#step(), Math.min(delay, MAX_TIMER_MS));
    if (this.#unref) this.#timer.unref();
  }

  #step(): void {
    const remaining = this.#due - performance.now();
    // A delay longer than one setTimeout sleeps again (less than 1 ms left is the timers' rounding, not a step).
    if (remaining >= 1) return this.#arm(remaining);
    this.#timer = undefined;
    this.callback();
  }
}
