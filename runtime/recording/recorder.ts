/**
 * Recording signals to an HDF5 file, one data set per signal (`qmi.record`).
 *
 * ```ts
 * const recorder = await qmi.record({ signals: ["instr_server.nsg.sampleTaken"], file: "run.h5" });
 * // ... measure ...
 * const summary = await recorder.stop(); // { file, signals: [{ signal, recorded, dropped, ... }], ... }
 * ```
 *
 * Each signal `ctx.obj.signal` (an object of the running context or of a connected peer) becomes the data set of
 * that name: a `time` column (float64 POSIX seconds at which the recording process received the signal; for a
 * signal of its own context, the moment of publication) and one column per payload field (see
 * `signal-columns.ts` for the types). The columns are worked out from the signal's descriptor, and every data set
 * is created, before the first signal arrives; an unknown name or a payload that cannot be recorded is refused
 * before the file is created.
 *
 * Typed-array fields (an oscilloscope's trace) are recorded as two-dimensional columns, one row of `width` elements
 * per signal. The width is the trace length the instrument was set up for, and the recorder must be told it, since
 * the data set is made before the first signal: `widths: { "ctx.scope.traceTaken": { samples: 1000 } }`. A signal
 * whose trace has another length is dropped and counted (`dropped`, and `mismatched` of it; the data set's
 * `mismatched` attribute), never written in part: rows stay aligned and the file stays readable.
 *
 * ```ts
 * const recorder = await qmi.record({
 *   signals: ["instr_server.echo.traceTaken"], file: "traces.h5",
 *   widths: { "instr_server.echo.traceTaken": { samples: 1000, counts: 1000 } },
 * });
 * ```
 *
 * Every data set carries provenance attributes: `qmi_ts_version`, `context` (the recording context),
 * `publisher` (`ctx.obj`), `object`, `signal`, `driver_class`, `configuration` (the recording context's
 * configuration as JSON, with a security token redacted), `start_time`, and, kept current at every flush,
 * `dropped` (and `mismatched`, for a signal with typed-array fields); `stop()` adds `stop_time` and, if the subscription ended early, `ended`. Options' `attributes` are
 * added to every data set. `settings` holds the settings snapshot of the publishing object, taken when recording
 * starts: the results of the getters its driver marks `@rpcMethod({ snapshot: true })` (e.g. `getFrequency`), as
 * JSON by method name; a getter that fails (the instrument is closed, say) gives `{ "error": "<class>: <message>" }`
 * in its place, and does not stop the recording.
 *
 * Memory and disk: each signal has its own buffer of at most `bufferRows` rows held in column chunks; a full chunk
 * is appended to the file on the next turn of the event loop, and everything buffered is appended and the file
 * flushed to disk every `flushInterval` seconds (default 1 s), so a process killed while recording leaves a file
 * that opens and holds everything up to the last flush. A signal arriving at a full buffer is dropped and counted
 * (`dropped`): the publisher is never blocked and memory never grows with the rate.
 *
 * Concurrency and errors: the recorder runs on the event loop, and HDF5 writes block it while they run. When
 * writing fails (disk full, file removed), the recording ends: subscriptions are cancelled, the file is closed as
 * far as it can be, `onError` is called once, `error` holds the error and `stop()` rejects with it. Nothing is
 * thrown at the publisher and the process is never crashed.
 *
 * @module
 */
import { QMI_VERSION } from "../context/version.ts";
import { context as runningContext } from "../context/context-singleton.ts";
import type { Context } from "../context/context.ts";
import { invoke, proxyBinding, type RpcProxy } from "../client/proxy.ts";
import type { ServiceDescriptor } from "../protocol/service-descriptor.ts";
import { InvalidArgumentError, QmiError } from "../protocol/errors.ts";
import type { Subscription } from "../signals/signal-subscription.ts";
import { DataFile, type Attributes, type ColumnArray, type DataSetWriter } from "../data/index.ts";
import { columnTypeInfo } from "../data/column-types.ts";
import { SignalBuffer } from "./signal-buffer.ts";
import { signalColumns, type SignalColumn } from "./signal-columns.ts";

/** Options of {@link record}. */
export interface RecordOptions {
  /** The signals to record, as `"<context>.<object>.<signal>"`; at least one, no repeats. */
  readonly signals: readonly string[];
  /** The HDF5 file to create. */
  readonly file: string;
  /** Replace an existing file (default false: an existing file is an error). */
  readonly overwrite?: boolean;
  /** The context to record through; default the running one (`qmi.context()`). */
  readonly context?: Context;
  /**
   * Most rows buffered per signal before new signals are dropped; default {@link DEFAULT_BUFFER_ROWS}, or fewer for
   * wide rows: as many as fit in {@link DEFAULT_BUFFER_BYTES}.
   */
  readonly bufferRows?: number;
  /**
   * The length of each typed-array field, by signal and field (nested fields as `position.trace`), e.g.
   * `{ "ctx.scope.traceTaken": { samples: 1000 } }`: the width of its two-dimensional column. Required for every
   * typed-array field recorded; a signal whose array has another length is dropped and counted.
   */
  readonly widths?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Seconds between flushes to disk; default 1. */
  readonly flushInterval?: number;
  /** Extra attributes for every data set (e.g. `{ operator: "ada" }`). */
  readonly attributes?: Attributes;
  /** Called once when writing fails and the recording ends. */
  readonly onError?: (error: QmiError) => void;
}

/** Default {@link RecordOptions.bufferRows}. */
export const DEFAULT_BUFFER_ROWS = 65536;

/** The most bytes of rows a signal buffers when `bufferRows` is not given: 64 MiB. */
export const DEFAULT_BUFFER_BYTES = 64 * 2 ** 20;

/** Rows per column chunk in memory (and at most per append)... */
const CHUNK_ROWS = 4096;
/** ... and at most this many bytes of rows per chunk. */
const CHUNK_BYTES = 2 ** 20;

/** The counters of one recorded signal. */
export interface SignalCounters {
  /** `ctx.obj.signal`, also the data set's name. */
  readonly signal: string;
  /** Rows written to the file. */
  readonly recorded: number;
  /** Rows received and not yet written. */
  readonly buffered: number;
  /** Signals lost: dropped at a full buffer or for a typed array of the wrong length, or by the publishing server. */
  readonly dropped: number;
  /** Of `dropped`, signals whose typed-array field had another length than its column's width. */
  readonly mismatched: number;
}

/** The live counters of a recording. */
export interface RecordingCounters {
  readonly signals: readonly SignalCounters[];
  /** Rows written, all signals. */
  readonly recorded: number;
  /** Signals lost, all signals. */
  readonly dropped: number;
  /** Bytes of column data appended to the file so far. */
  readonly bytesWritten: number;
}

/** What {@link Recorder.stop} answers. */
export interface RecordingSummary extends RecordingCounters {
  readonly file: string;
  /** POSIX seconds. */
  readonly startTime: number;
  /** POSIX seconds. */
  readonly stopTime: number;
}

interface Recorded {
  readonly signal: string;
  readonly writer: DataSetWriter;
  readonly buffer: SignalBuffer;
  readonly rowBytes: number;
  /** Whether the signal has typed-array fields (and so a `mismatched` attribute). */
  readonly wide: boolean;
  subscription?: Subscription;
}

/** A recording in progress; made by {@link record}. */
export class Recorder {
  readonly #file: DataFile;
  readonly #recorded: Recorded[];
  readonly #onError: ((error: QmiError) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #drainScheduled = false;
  #bytes = 0;
  #error: QmiError | undefined;
  #stopping: Promise<RecordingSummary> | undefined;

  /** @internal */
  constructor(
    file: DataFile,
    recorded: Recorded[],
    /** POSIX seconds at which the recording started. */
    readonly startTime: number,
    private readonly clock: () => number,
    flushInterval: number,
    onError: ((error: QmiError) => void) | undefined,
  ) {
    this.#file = file;
    this.#recorded = recorded;
    this.#onError = onError;
    this.#timer = setInterval(() => this.#write(true), flushInterval * 1000);
  }

  /** The file being written. */
  get file(): string {
    return this.#file.path;
  }

  /** The error that ended the recording, if writing failed. */
  get error(): QmiError | undefined {
    return this.#error;
  }

  /** The counters now: rows recorded, buffered and dropped per signal, bytes written. */
  counters(): RecordingCounters {
    const signals = this.#recorded.map(({ signal, writer, buffer }) => ({
      signal,
      recorded: writer.rowCount,
      buffered: buffer.bufferedRows,
      dropped: buffer.dropped,
      mismatched: buffer.mismatched,
    }));
    return {
      signals,
      recorded: signals.reduce((sum, s) => sum + s.recorded, 0),
      dropped: signals.reduce((sum, s) => sum + s.dropped, 0),
      bytesWritten: this.#bytes,
    };
  }

  /**
   * Stops recording: unsubscribes, writes what is buffered, sets `stop_time` and `dropped`, closes the file.
   * Later calls answer the same promise. Rejects with the error when writing failed.
   */
  stop(): Promise<RecordingSummary> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<RecordingSummary> {
    // Why a subscription ended before stop(): unsubscribing below ends each one too, which is no news.
    const endedEarly = this.#recorded.map(({ buffer }) => buffer.endReason);
    this.#end();
    if (this.#error) throw this.#error;
    const stopTime = this.clock();
    try {
      this.#drain(true);
      this.#recorded.forEach(({ writer, buffer, wide }, i) => {
        writer.setAttribute("stop_time", stopTime);
        writer.setAttribute("dropped", BigInt(buffer.dropped));
        if (wide) writer.setAttribute("mismatched", BigInt(buffer.mismatched));
        const ended = endedEarly[i];
        if (ended) writer.setAttribute("ended", ended.message);
      });
      this.#file.close();
    } catch (error) {
      this.#fail(error);
      throw this.#error!;
    }
    return { ...this.counters(), file: this.file, startTime: this.startTime, stopTime };
  }

  /** Hands full chunks to the file soon (called by a buffer whose chunk filled). @internal */
  scheduleDrain(): void {
    if (this.#drainScheduled || this.#timer === undefined) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      this.#write(false);
    });
  }

  #write(flush: boolean): void {
    if (this.#timer === undefined) return;
    try {
      this.#drain(flush);
      if (flush) {
        for (const { writer, buffer, wide } of this.#recorded) {
          writer.setAttribute("dropped", BigInt(buffer.dropped));
          if (wide) writer.setAttribute("mismatched", BigInt(buffer.mismatched));
        }
        this.#file.flush();
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #drain(partial: boolean): void {
    for (const { writer, buffer, rowBytes } of this.#recorded) {
      buffer.drain((rows: Record<string, ColumnArray>, count: number) => {
        writer.appendRows(rows);
        this.#bytes += count * rowBytes;
      }, partial);
    }
  }

  /** Ends the subscriptions and the timer. */
  #end(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#recorded) entry.subscription?.unsubscribe();
  }

  #fail(error: unknown): void {
    if (this.#error) return;
    this.#error = QmiError.from(error);
    this.#end();
    try {
      this.#file.close();
    } catch {
      // The file failed already; what could be written is in it, and the error reported is the first one.
    }
    try {
      this.#onError?.(this.#error);
    } catch {
      // A failing error handler must not take the process down with it.
    }
  }
}

/**
 * Starts recording `options.signals` to a new HDF5 file, one data set per signal (see the module doc). Resolves
 * once every signal is subscribed; rejects, before creating the file, for a malformed or unknown signal name or a
 * payload that cannot be recorded.
 */
export async function record(options: RecordOptions): Promise<Recorder> {
  const { signals, file } = checkOptions(options);
  const context = options.context ?? runningContext();
  const flushInterval = options.flushInterval ?? 1;

  const planned: { signal: string; context: string; object: string; signalName: string; className: string; columns: SignalColumn[]; proxy: Awaited<ReturnType<Context["getInstrument"]>> }[] = [];
  for (const signal of signals) {
    const [contextName, object, signalName] = signal.split(".") as [string, string, string];
    const proxy = await context.getInstrument(`${contextName}.${object}`);
    const { descriptor } = proxyBinding(proxy);
    const columns = signalColumns(descriptor, signalName, `${contextName}.${object}`, options.widths?.[signal]);
    planned.push({ signal, context: contextName, object, signalName, className: descriptor.className, proxy, columns });
  }
  // One snapshot per publishing object, however many of its signals are recorded.
  const snapshots = new Map<string, Promise<string>>();
  for (const plan of planned) {
    const publisher = `${plan.context}.${plan.object}`;
    if (!snapshots.has(publisher)) snapshots.set(publisher, settingsSnapshot(plan.proxy, proxyBinding(plan.proxy).descriptor));
  }
  const settings = new Map<string, string>();
  for (const [publisher, snapshot] of snapshots) settings.set(publisher, await snapshot);

  // One clock for start, stop and every row: the wall clock at the start, advanced by the monotonic clock.
  const [wall, monotonic] = [Date.now(), performance.now()];
  const clock = () => (wall + (performance.now() - monotonic)) / 1000;
  const startTime = clock();
  const configuration = configurationJson(context.config);
  const dataFile = await DataFile.create(file, { overwrite: options.overwrite ?? false });
  const recorded: Recorded[] = [];
  let recorder: Recorder | undefined;
  try {
    for (const plan of planned) {
      const writer = dataFile.createDataSet({
        name: plan.signal,
        timestamp: startTime,
        chunkRows: CHUNK_ROWS,
        columns: plan.columns.map(({ name, type, description, width }) => ({ name, type, description, width, unit: name === "time" ? "s" : "" })),
        attributes: {
          ...options.attributes,
          qmi_ts_version: QMI_VERSION,
          context: context.name,
          publisher: `${plan.context}.${plan.object}`,
          object: plan.object,
          signal: plan.signalName,
          driver_class: plan.className,
          configuration,
          settings: settings.get(`${plan.context}.${plan.object}`)!,
          start_time: startTime,
          dropped: 0n,
        },
      });
      const rowBytes = plan.columns.reduce((sum, c) => sum + columnTypeInfo(c.type).bytes * (c.width ?? 1), 0);
      const bufferRows = options.bufferRows ?? Math.max(1, Math.min(DEFAULT_BUFFER_ROWS, Math.floor(DEFAULT_BUFFER_BYTES / rowBytes)));
      const chunkRows = Math.max(1, Math.min(CHUNK_ROWS, bufferRows, Math.floor(CHUNK_BYTES / rowBytes)));
      const buffer = new SignalBuffer(plan.columns, chunkRows, bufferRows, () => recorder?.scheduleDrain(), clock);
      recorded.push({ signal: plan.signal, writer, buffer, rowBytes, wide: plan.columns.some((c) => c.width !== undefined) });
    }
    dataFile.flush();
    recorder = new Recorder(dataFile, recorded, startTime, clock, flushInterval, options.onError);
    for (const [i, plan] of planned.entries()) recorded[i]!.subscription = await plan.proxy.subscribe(plan.signalName, recorded[i]!.buffer);
  } catch (error) {
    if (recorder) await recorder.stop().catch(() => undefined);
    else dataFile.close();
    throw error;
  }
  return recorder;
}

function checkOptions(options: RecordOptions): { signals: readonly string[]; file: string } {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("record() needs options { signals, file }");
  const { signals, file, bufferRows, flushInterval, widths } = options;
  if (!Array.isArray(signals) || signals.length === 0) {
    throw new InvalidArgumentError(`record(): signals must be a non-empty array of "<context>.<object>.<signal>", got ${JSON.stringify(signals)}`);
  }
  for (const signal of signals) {
    if (typeof signal !== "string" || !/^[^./]+\.[^./]+\.[^./]+$/.test(signal)) {
      throw new InvalidArgumentError(`record(): ${JSON.stringify(signal)} is not a signal address; write "<context>.<object>.<signal>", e.g. "instr_server.nsg.sampleTaken"`);
    }
  }
  const repeated = signals.find((signal, i) => signals.indexOf(signal) !== i);
  if (repeated) throw new InvalidArgumentError(`record(): signal ${repeated} is listed twice; list each signal once`);
  if (typeof file !== "string" || file === "") throw new InvalidArgumentError(`record(): file must be a path, got ${JSON.stringify(file)}`);
  if (bufferRows !== undefined && !(Number.isSafeInteger(bufferRows) && bufferRows >= 1)) {
    throw new InvalidArgumentError(`record(): bufferRows must be a positive integer, got ${String(bufferRows)}`);
  }
  if (flushInterval !== undefined && !(typeof flushInterval === "number" && flushInterval > 0 && flushInterval <= 3600)) {
    throw new InvalidArgumentError(`record(): flushInterval must be seconds above 0 and at most 3600, got ${String(flushInterval)}`);
  }
  if (widths !== undefined) {
    if (typeof widths !== "object" || widths === null) throw new InvalidArgumentError(`record(): widths must be an object of signal: { field: width }, got ${String(widths)}`);
    for (const [signal, fields] of Object.entries(widths)) {
      if (!signals.includes(signal)) throw new InvalidArgumentError(`record(): widths name signal ${JSON.stringify(signal)}, which is not among the signals recorded`);
      if (typeof fields !== "object" || fields === null) throw new InvalidArgumentError(`record(): widths of ${signal} must be an object of field: width, e.g. { samples: 1000 }`);
    }
  }
  return { signals, file };
}

/** Seconds each snapshot getter has to answer. */
const SNAPSHOT_TIMEOUT = 10;

/**
 * The settings snapshot of the object behind `proxy`: the result of each of its snapshot getters
 * (`@rpcMethod({ snapshot: true })`) by method name, or `{ error }` for one that failed, as JSON. Getters are
 * called one after the other, as a driver serves them anyway.
 */
async function settingsSnapshot(proxy: RpcProxy, descriptor: ServiceDescriptor): Promise<string> {
  const snapshot: Record<string, unknown> = {};
  for (const method of descriptor.methods) {
    if (!method.snapshot) continue;
    try {
      snapshot[method.name] = await proxy[invoke](method.name, [], { timeout: SNAPSHOT_TIMEOUT });
    } catch (error) {
      const failure = QmiError.from(error);
      snapshot[method.name] = { error: `${failure.name}: ${failure.message}` };
    }
  }
  return JSON.stringify(snapshot, (_key, value: unknown) => jsonable(value));
}

/** `value` as JSON can hold it: bigints as decimal strings, typed arrays as lists, bytes as base64. */
function jsonable(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? x.toString() : x));
  return value;
}

/** The configuration as JSON, with a security token replaced by `"(redacted)"`. */
function configurationJson(config: unknown): string {
  return JSON.stringify(config, (key, value: unknown) => (key === "token" && typeof value === "string" ? "(redacted)" : value)) ?? "null";
}
