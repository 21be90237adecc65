/**
 * Received bytes waiting to be read, shared by every transport: the three read flavours, bounded waits, timeouts
 * that keep the data, and end of input as its own error.
 *
 * Push transports (TCP, UDP, serial) call {@link InputBuffer.push} from their data events; pull transports
 * (USBTMC) pass a `pull` function that fetches more input within the time left.
 *
 * @module
 */
import { EndOfInputError, InvalidArgumentError, TransportTimeoutError } from "../protocol/errors.ts";

/** Fetches more input into the buffer, waiting at most `remainingMs` (resolving with nothing new is fine). */
export type Pull = (remainingMs: number) => Promise<void>;

/** A byte queue with bounded waits. @internal */
export class InputBuffer {
  #data: Buffer = Buffer.alloc(0);
  #ended: Error | undefined;
  #wake: (() => void) | undefined;

  /** @param label - names the transport in messages, e.g. its descriptor */
  constructor(private readonly label: string) {}

  /** Bytes waiting. */
  get length(): number {
    return this.#data.length;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#data = this.#data.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#data, chunk]);
    this.#wake?.();
  }

  /** Marks the end of input: reads that cannot be satisfied from what is buffered then fail with `reason`. */
  end(reason: Error): void {
    this.#ended ??= reason;
    this.#wake?.();
  }

  /** Empties the buffer and forgets the end of input (on open). */
  reset(): void {
    this.#data = Buffer.alloc(0);
    this.#ended = undefined;
  }

  /** Drops the buffered bytes. */
  discard(): void {
    this.#data = Buffer.alloc(0);
  }

  /** Exactly `n` bytes within `timeout` seconds. */
  read(n: number, timeout: number, pull?: Pull): Promise<Buffer> {
    checkCount(n);
    return this.#wait(`${n} bytes`, timeout, (data) => (data.length >= n ? n : undefined), false, pull);
  }

  /** Bytes up to and including `terminator`, within `timeout` seconds. */
  readUntil(terminator: Uint8Array | string, timeout: number, pull?: Pull): Promise<Buffer> {
    const term = Buffer.from(terminator);
    if (term.length === 0) throw new InvalidArgumentError("Bad terminator: expected at least one byte, e.g. \"\\n\"");
    return this.#wait(
      `a message ending in ${JSON.stringify(term.toString("latin1"))}`,
      timeout,
      (data) => {
        const at = data.indexOf(term);
        return at < 0 ? undefined : at + term.length;
      },
      false,
      pull,
    );
  }

  /** Up to `n` bytes: as soon as `n` are there, else what arrived when `timeout` seconds have passed. */
  readUntilTimeout(n: number, timeout: number, pull?: Pull): Promise<Buffer> {
    checkCount(n);
    return this.#wait(`${n} bytes`, timeout, (data) => (data.length >= n ? n : undefined), true, pull, n);
  }

  async #wait(
    what: string,
    timeout: number,
    want: (data: Buffer) => number | undefined,
    partial: boolean,
    pull: Pull | undefined,
    limit = Infinity,
  ): Promise<Buffer> {
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0) {
      throw new InvalidArgumentError(`Bad timeout ${String(timeout)}: expected a finite number of seconds >= 0`);
    }
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const count = want(this.#data);
      if (count !== undefined) return this.#take(count);
      if (this.#ended) {
        if (partial && this.#data.length > 0) return this.#take(Math.min(limit, this.#data.length));
        throw new EndOfInputError(
          `${this.#ended.message} (waiting for ${what}; ${this.#data.length} bytes were received and are still buffered)`,
          { cause: this.#ended },
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        if (partial) return this.#take(Math.min(limit, this.#data.length));
        throw new TransportTimeoutError(
          `${this.label}: timeout after ${timeout} s waiting for ${what}; ${this.#data.length} bytes were received ` +
            `and stay buffered. Check the connection and the instrument's settings, or allow a longer timeout`,
        );
      }
      if (pull) await pull(remaining);
      else await this.#arrival(remaining);
    }
  }

  #arrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  #take(count: number): Buffer {
    const result = this.#data.subarray(0, count);
    this.#data = this.#data.subarray(count);
    return Buffer.from(result);
  }
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`Bad byte count ${String(n)}: expected an integer >= 0`);
}
