/**
 * The server streams a context has open (signal subscriptions, settings and status watches), so that stopping the
 * context ends each with a clear status instead of leaving clients waiting for the grace period.
 *
 * @module
 */
import type { QmiError } from "../protocol/errors.ts";

/** Open server streams of one context. */
export class StreamTracker {
  readonly #enders = new Set<(error: QmiError) => void>();

  /** Tracks a stream; `end` ends it with an error. Returns the function that stops tracking it. */
  add(end: (error: QmiError) => void): () => void {
    this.#enders.add(end);
    return () => this.#enders.delete(end);
  }

  /** Ends every tracked stream with `error`. */
  endAll(error: QmiError): void {
    for (const end of [...this.#enders]) end(error);
    this.#enders.clear();
  }

  /** Streams open now. */
  get size(): number {
    return this.#enders.size;
  }
}
