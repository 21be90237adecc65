/**
 * Batching for the `qmi.core.Channel` stream: what one side has to send (calls, or answers) is collected and
 * written as one message once the current job and its microtasks have run (`process.nextTick`), so that the
 * calls a script starts together, and the answers a burst of them produces, cross as a few gRPC messages
 * rather than one each (each message costs both processes a fixed amount of grpc-js and HTTP/2 work, which
 * capped the stream at about 40k calls/s). A lone call waits for no timer: the flush follows in the same turn.
 *
 * @module
 */

/** A batch is sent early once its payloads reach this many bytes, keeping messages well under gRPC's limits. */
export const CHANNEL_BATCH_BYTES = 256 * 1024;

/** Items waiting to be written as one message. */
export class Batcher<T> {
  #items: T[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(
    /** Writes one batch (never empty). */
    private readonly write: (items: T[]) => void,
  ) {}

  /** Adds `item` (of about `bytes` payload bytes) to the next batch. */
  push(item: T, bytes: number): void {
    if (this.#items.length > 0 && this.#bytes + bytes > CHANNEL_BATCH_BYTES) this.flush();
    this.#items.push(item);
    this.#bytes += bytes;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(flushBatcher, this);
    }
  }

  /** Writes what is waiting now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    this.write(items);
  }

  /** Forgets what is waiting (its stream is gone). */
  clear(): void {
    this.#items = [];
    this.#bytes = 0;
  }
}

function flushBatcher(batcher: Batcher<unknown>): void {
  batcher.flush();
}
