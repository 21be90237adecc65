/**
 * A bounded queue of received signals, QMI's `QMI_SignalReceiver`.
 *
 * ```ts
 * const receiver = new SignalReceiver<Sample>({ maxQueueLength: 100, discardPolicy: "dropOldest" });
 * const subscription = await nsg.subscribe("sampleTaken", receiver);
 * const first = await receiver.getNextSignal(1);        // waits at most 1 s
 * for await (const s of receiver) console.log(s.args);  // ends when every subscription has ended
 * ```
 *
 * Concurrency: everything runs on the event loop; publishers push synchronously, readers await. When the queue is
 * full, the discard policy drops the oldest queued signal or the new one; either way the dropped signal still
 * takes a receiver sequence number, so gaps in `receiverSeqnr` show what was lost. A subscription that ends
 * (publisher removed, context stopped, peer lost) is reported to the reader once, after the signals queued before.
 *
 * @module
 */
import { DeadlineError, UsageError, type QmiError } from "../protocol/errors.ts";

/** What happens when a signal arrives at a full queue. */
export type DiscardPolicy = "dropOldest" | "dropNewest";

/** Options of {@link SignalReceiver}. */
export interface SignalReceiverOptions {
  /** Most signals kept; default {@link DEFAULT_MAX_QUEUE_LENGTH}. */
  readonly maxQueueLength?: number;
  /** Default `"dropOldest"`. */
  readonly discardPolicy?: DiscardPolicy;
}

/** Default queue bound of a {@link SignalReceiver}. */
export const DEFAULT_MAX_QUEUE_LENGTH = 10000;

/** One received signal. */
export interface ReceivedSignal<T = unknown> {
  /** The publisher's context, e.g. `instr_server`. */
  readonly publisherContext: string;
  /** The publishing object, e.g. `nsg`. */
  readonly publisherName: string;
  /** The signal, e.g. `sampleTaken`. */
  readonly signalName: string;
  /** The payload. */
  readonly args: T;
  /** 1, 2, ... in arrival order at this receiver, counting signals dropped here or by the server. */
  readonly receiverSeqnr: number;
}

/** Where a subscription delivers: what {@link SignalReceiver} offers to subscriptions. @internal */
export interface SignalSink<T = unknown> {
  /** Offers one signal; `missed` signals were dropped upstream just before it. */
  push(signal: Omit<ReceivedSignal<T>, "receiverSeqnr">, missed?: number): void;
  /** Reports that a subscription ended (after its queued signals). */
  end(error: QmiError): void;
  /** Registers a live subscription. */
  attach(): void;
}

type Entry<T> = { kind: "signal"; signal: ReceivedSignal<T> } | { kind: "end"; error: QmiError };

/**
 * A first-in first-out queue whose front is taken in constant time: an array read from a moving start, compacted
 * once more than half of it is consumed. A full receiver drops its oldest signal on every push; with an array's
 * `findIndex` and `splice` that cost time in proportion to the queue (10^6 pushes into a full receiver of 10,000
 * took 28 s, against 1 s).
 */
class EntryQueue<T> {
  #items: (Entry<T> | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(entry: Entry<T>): void {
    this.#items.push(entry);
  }

  shift(): Entry<T> | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  /** Removes the oldest signal (at the front, unless ends of subscriptions are queued before it). */
  dropOldestSignal(): void {
    for (let i = this.#head; i < this.#items.length; i++) {
      if (this.#items[i]!.kind !== "signal") continue;
      if (i === this.#head) this.shift();
      else this.#items.splice(i, 1);
      return;
    }
  }

  /** Removes every signal, keeping the ends of subscriptions. */
  dropSignals(): void {
    this.#items = this.#items.slice(this.#head).filter((entry) => entry!.kind !== "signal");
    this.#head = 0;
  }
}

/** A bounded queue of signals from one or more subscriptions. */
export class SignalReceiver<T = unknown> implements SignalSink<T>, AsyncIterable<ReceivedSignal<T>> {
  readonly maxQueueLength: number;
  readonly discardPolicy: DiscardPolicy;
  readonly #queue = new EntryQueue<T>();
  #signalCount = 0;
  #seqnr = 0;
  #dropped = 0;
  #live = 0;
  #waiters: (() => void)[] = [];

  constructor(options: SignalReceiverOptions = {}) {
    const max = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    if (!Number.isInteger(max) || max < 1) throw new UsageError(`maxQueueLength must be an integer >= 1, got ${max}`);
    this.maxQueueLength = max;
    this.discardPolicy = options.discardPolicy ?? "dropOldest";
  }

  /** Signals waiting to be read. */
  get queueLength(): number {
    return this.#signalCount;
  }

  /** Signals offered to this receiver so far (the last `receiverSeqnr`), including dropped ones. */
  get offeredCount(): number {
    return this.#seqnr;
  }

  /**
   * Signals lost so far: dropped here by the discard policy, plus those dropped upstream (by a publishing
   * server whose stream this receiver could not keep up with). `offeredCount - droppedCount` were queued.
   */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Subscriptions currently delivering to this receiver. */
  get activeSubscriptions(): number {
    return this.#live;
  }

  /** True when {@link getNextSignal} would answer at once with a signal. */
  hasSignalReady(): boolean {
    return this.#signalCount > 0;
  }

  /** Drops every queued signal. */
  discardAll(): void {
    this.#queue.dropSignals();
    this.#signalCount = 0;
  }

  /**
   * The next signal, waiting at most `timeout` seconds (default: for ever). Rejects with a `DeadlineError` on
   * timeout, and with a `SubscriptionEndedError` / `ConnectionError` once for each subscription that ended.
   */
  async getNextSignal(timeout?: number): Promise<ReceivedSignal<T>> {
    const until = timeout === undefined ? Infinity : performance.now() + timeout * 1000;
    for (;;) {
      const entry = this.#queue.shift();
      if (entry?.kind === "signal") {
        this.#signalCount--;
        return entry.signal;
      }
      if (entry?.kind === "end") throw entry.error;
      const left = until - performance.now();
      if (left <= 0) throw new DeadlineError(`No signal received within ${timeout} s`);
      await this.#wait(left);
    }
  }

  /** Reads signals until every subscription has ended and the queue is empty. */
  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedSignal<T>> {
    for (;;) {
      if (this.#queue.length === 0 && this.#live === 0) return;
      try {
        yield await this.getNextSignal();
      } catch (error) {
        if ((error as QmiError).code === "DEADLINE") throw error;
        if (this.#live === 0 && this.#queue.length === 0) return;
      }
    }
  }

  /** @internal */
  attach(): void {
    this.#live++;
  }

  /** @internal */
  push(signal: Omit<ReceivedSignal<T>, "receiverSeqnr">, missed = 0): void {
    this.#seqnr += missed + 1;
    this.#dropped += missed;
    if (this.#signalCount >= this.maxQueueLength) {
      this.#dropped++;
      if (this.discardPolicy === "dropNewest") return;
      this.#queue.dropOldestSignal();
      this.#signalCount--;
    }
    this.#queue.push({ kind: "signal", signal: { ...signal, receiverSeqnr: this.#seqnr } });
    this.#signalCount++;
    this.#wake();
  }

  /** @internal */
  end(error: QmiError): void {
    this.#live = Math.max(0, this.#live - 1);
    this.#queue.push({ kind: "end", error });
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      this.#waiters.push(done);
    });
  }
}
