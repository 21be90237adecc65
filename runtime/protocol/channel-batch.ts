/**
 * Batching for the `qmi.core.Channel` stream: what one side has to send (calls, or answers) is collected and
 * written as one message once the current job and its microtasks have run (`process.nextTick`), so that the
 * calls a script starts together, and the answers a burst of them produces, cross as a few gRPC messages
 * rather than one each (each message costs both processes a fixed amount of grpc-js and HTTP/2 work, which
 * capped the stream at about 40k calls/s). A lone call waits for no timer: the flush follows in the same turn.
 *
 * @module
 */
import { CHANNEL_MAX_BATCH_CALLS } from "./channel-limits.ts";

/** A batch is sent early once its payloads reach this many bytes, keeping messages well under gRPC's limits. */
const CHANNEL_BATCH_BYTES = 256 * 1024;

/**
 * Header with which each side of the channel tells the other the largest message it accepts
 * (`security.max_message_bytes`): the sender keeps its batches below it, and a single call or answer that does
 * not fit fails alone instead of ending the stream for every call on it.
 */
export const MAX_MESSAGE_HEADER = "qmi-max-message-bytes";

/** Bytes a call or answer takes in a batch besides its payload (id, path, object, token, status, framing). */
export const ENVELOPE_BYTES = 512;

/** The batch size to use towards a peer that accepts messages of `peerMax` bytes. */
export function batchBytesFor(peerMax: number): number {
  return Math.max(1, Math.min(CHANNEL_BATCH_BYTES, peerMax - ENVELOPE_BYTES));
}

/** The limit a peer announced in `value` (a header), or gRPC's default 4 MiB when it announced none. */
export function announcedLimit(value: unknown): number {
  const limit = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(limit) && limit > 0 ? limit : 4 * 1024 * 1024;
}

/** Items waiting to be written as one message. */
export class Batcher<T> {
  #items: T[] = [];
  #bytes = 0;
  #scheduled = false;
  /** What to call once the waiting batch has been written (see {@link push}). */
  #onWritten: (() => void)[] = [];

  constructor(
    /**
     * Writes one batch (never empty) of about `bytes` payload bytes, and calls `written` (when given) once the
     * transport has taken it.
     */
    private readonly write: (items: T[], bytes: number, written?: () => void) => void,
    /** Most payload bytes per batch (one item larger than this still goes, alone). */
    private readonly maxBytes = CHANNEL_BATCH_BYTES,
    /** Most items per batch (the receiver refuses larger ones, see `channel-limits.ts`). */
    private readonly maxItems = CHANNEL_MAX_BATCH_CALLS,
  ) {}

  /**
   * Adds `item` (of about `bytes` payload bytes) to the next batch; `onWritten` is called once that batch has been
   * written (so that the next part of a message in parts follows only then).
   */
  push(item: T, bytes: number, onWritten?: () => void): void {
    if (this.#items.length > 0 && (this.#bytes + bytes > this.maxBytes || this.#items.length >= this.maxItems)) this.flush();
    this.#items.push(item);
    this.#bytes += bytes;
    if (onWritten) this.#onWritten.push(onWritten);
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
    const bytes = this.#bytes;
    const callbacks = this.#onWritten;
    this.#items = [];
    this.#bytes = 0;
    if (callbacks.length === 0) return this.write(items, bytes);
    this.#onWritten = [];
    this.write(items, bytes, () => {
      for (const callback of callbacks) callback();
    });
  }

  /** Forgets what is waiting (its stream is gone). */
  clear(): void {
    this.#items = [];
    this.#bytes = 0;
    this.#onWritten = [];
  }
}

function flushBatcher(batcher: Batcher<unknown>): void {
  batcher.flush();
}
