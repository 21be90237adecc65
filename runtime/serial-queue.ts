/**
 * Runs jobs one at a time in arrival order: how calls to one hosted object are serialised.
 *
 * @module
 */

/** A FIFO of async jobs; a failing job does not stop the ones after it. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Jobs queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Queues `job`; resolves or rejects with its outcome once it has run. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(job).finally(() => this.#pending--);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
