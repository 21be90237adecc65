/**
 * A typed signal an object publishes. Declare it as a field marked `@signal`:
 *
 * ```ts
 * @signal readonly sampleTaken = new Signal<{ t: number; value: number }>();
 * ...
 * this.sampleTaken.publish({ t, value });
 * ```
 *
 * Listeners in the same process are called synchronously, in subscription order; a listener that throws does not
 * stop the others. Streaming signals to other contexts is served by the context (see `Subscribe<Signal>` RPCs and
 * `qmi.core.Signals`).
 *
 * @module
 */

/** A listener of a {@link Signal}. */
export type SignalListener<T> = (payload: T) => void;

/** A typed publish/subscribe point. */
export class Signal<T> {
  readonly #listeners = new Set<SignalListener<T>>();

  /** Sends `payload` to every current listener. */
  publish(payload: T): void {
    const listeners = this.#listeners;
    if (listeners.size === 0) return; // the common case of a driver call nobody listens to: no copy
    // A copy: a listener that subscribes or unsubscribes others changes the next publish, not this one.
    for (const listener of [...listeners]) {
      try {
        listener(payload);
      } catch {
        // One failing listener must not keep the payload from the others, nor fail the publisher.
      }
    }
  }

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: SignalListener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Number of current listeners. */
  get listenerCount(): number {
    return this.#listeners.size;
  }
}
