/**
 * The bounded buffer of one recorded signal: a `SignalSink` that copies each signal's fields into column chunks
 * (one typed array per column, `chunkRows` rows each) as it arrives, and hands whole chunks to the writer.
 *
 * Concurrency: everything runs on the event loop. `push` never blocks and never allocates more than the bound: a
 * signal arriving while `maxRows` rows wait to be written is dropped (the newest is dropped, so the rows written
 * stay in publication order) and counted, as are the signals a publishing server dropped before sending (`missed`).
 * So `recorded + dropped` is exactly the number of signals published while subscribed.
 *
 * A typed-array field's column takes `width` elements per row. A signal whose array there is of another length or
 * element type is dropped whole (none of its fields is written) and counted in `dropped` and in `mismatched`: a
 * trace of the wrong length never shifts the rows after it and never stops the recording.
 *
 * @module
 */
import { QmiError } from "../protocol/errors.ts";
import type { ReceivedSignal, SignalSink } from "../signals/signal-receiver.ts";
import { columnTypeOf, type ColumnArray } from "../data/index.ts";
import { columnTypeInfo } from "../data/column-types.ts";
import { TIME_COLUMN, type SignalColumn } from "./signal-columns.ts";


/** Rows of every column, by column name; the first `rows` rows hold data. */
export interface Chunk {
  readonly columns: Record<string, ColumnArray>;
  rows: number;
}

/** Receives one signal's payloads into bounded column chunks. */
export class SignalBuffer implements SignalSink<unknown> {
  /** Signals received and not dropped (in the buffer or written). */
  received = 0;
  /** Signals dropped: here when the buffer was full or a typed array did not fit its column, or upstream by a publishing server. */
  dropped = 0;
  /** Of `dropped`, the signals with a typed-array field of another length (or element type) than its column's. */
  mismatched = 0;
  /** Why the subscription ended (publisher removed, peer lost), if it did. */
  endReason: QmiError | undefined;
  readonly #full: Chunk[] = [];
  readonly #spare: Chunk[] = [];
  #current: Chunk;
  #buffered = 0;
  readonly #fields: readonly SignalColumn[];
  readonly #wide: readonly (SignalColumn & { readonly width: number })[];

  constructor(
    readonly columns: readonly SignalColumn[],
    /** Rows per chunk. */
    readonly chunkRows: number,
    /** Most rows held before new signals are dropped. */
    readonly maxRows: number,
    /** Called when a chunk fills (so the writer may take it). */
    private readonly onChunk: () => void,
    /** POSIX seconds now. */
    private readonly clock: () => number,
  ) {
    this.#fields = columns.filter((c) => c.name !== TIME_COLUMN && c.width === undefined);
    this.#wide = columns.filter((c): c is SignalColumn & { readonly width: number } => c.width !== undefined);
    this.#current = this.#newChunk();
  }

  /** Rows waiting to be written. */
  get bufferedRows(): number {
    return this.#buffered;
  }

  /** @internal */
  attach(): void {}

  /** @internal */
  push(signal: Omit<ReceivedSignal<unknown>, "receiverSeqnr">, missed = 0): void {
    this.dropped += missed;
    if (this.#buffered >= this.maxRows) {
      this.dropped++;
      return;
    }
    const payload = signal.args;
    for (const field of this.#wide) {
      const value = field.read(payload);
      if (columnTypeOf(value) !== field.type || (value as ColumnArray).length !== field.width) {
        this.dropped++;
        this.mismatched++;
        return;
      }
    }
    const chunk = this.#current;
    const row = chunk.rows;
    chunk.columns[TIME_COLUMN]![row] = this.clock();
    for (const field of this.#fields) (chunk.columns[field.name] as unknown as (number | bigint)[])[row] = field.read(payload) as number | bigint;
    for (const field of this.#wide) (chunk.columns[field.name] as unknown as { set(values: ColumnArray, offset: number): void }).set(field.read(payload) as ColumnArray, row * field.width);
    chunk.rows++;
    this.#buffered++;
    this.received++;
    if (chunk.rows === this.chunkRows) {
      this.#full.push(chunk);
      this.#current = this.#spare.pop() ?? this.#newChunk();
      this.onChunk();
    }
  }

  /** @internal */
  end(error: QmiError): void {
    this.endReason ??= error;
  }

  /**
   * Hands every buffered row to `write`, oldest first, in chunks (with `partial`, the chunk being filled too).
   * A chunk `write` throws for stays buffered, and the error is rethrown.
   */
  drain(write: (rows: Record<string, ColumnArray>, count: number) => void, partial: boolean): void {
    while (this.#full.length > 0) {
      const chunk = this.#full[0]!;
      write(chunk.columns, chunk.rows);
      this.#full.shift();
      this.#buffered -= chunk.rows;
      chunk.rows = 0;
      if (this.#spare.length < 2) this.#spare.push(chunk);
    }
    const current = this.#current;
    if (partial && current.rows > 0) {
      const rows = Object.fromEntries(this.columns.map((c) => [c.name, current.columns[c.name]!.subarray(0, current.rows * (c.width ?? 1))]));
      write(rows, current.rows);
      this.#buffered -= current.rows;
      current.rows = 0;
    }
  }

  #newChunk(): Chunk {
    return { columns: Object.fromEntries(this.columns.map((c) => [c.name, new (columnTypeInfo(c.type).array)(this.chunkRows * (c.width ?? 1))])), rows: 0 };
  }
}
