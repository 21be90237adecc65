/**
 * One browser's `GET /api/events` stream (Server-Sent Events), with bounded memory whatever the browser does.
 *
 * The lab state is kept only as its latest version, and each plotted signal's points in a buffer of at most
 * {@link MAX_BUFFERED_POINTS}, the oldest dropped and counted. Both go out on a timer, and only while the socket
 * has taken what was written before ({@link MAX_UNSENT_BYTES}): a slow or hidden tab keeps at most that much here
 * and never slows the lab.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EventName, HelloEvent, LabState, PlotEndedEvent, PointsEvent } from "../api.ts";

/** The most points kept per plotted signal while the browser does not read. */
export const MAX_BUFFERED_POINTS = 20_000;
/** Bytes written and not yet taken by the socket above which nothing more is written. */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** How often buffered points and the latest lab state go out, milliseconds. */
const FLUSH_MS = 200;
/** A comment line this often keeps proxies and the browser from closing an idle stream, milliseconds. */
const HEARTBEAT_MS = 15_000;

/** The points of one plotted signal waiting to go out. */
class PointBuffer {
  t: number[] = [];
  values: (number | null)[][];
  dropped = 0;

  constructor(readonly fields: readonly string[]) {
    this.values = fields.map(() => []);
  }

  add(t: number, values: readonly (number | null)[]): void {
    if (this.t.length >= MAX_BUFFERED_POINTS) {
      // Drop the oldest half at once, so that a flood costs amortised constant time per point.
      const drop = this.t.length >> 1;
      this.t.splice(0, drop);
      for (const column of this.values) column.splice(0, drop);
      this.dropped += drop;
    }
    this.t.push(t);
    values.forEach((value, f) => this.values[f]!.push(value));
  }

  take(signal: string): PointsEvent | undefined {
    if (this.t.length === 0) return undefined;
    const event: PointsEvent = { signal, fields: this.fields, t: this.t, values: this.values, dropped: this.dropped };
    this.t = [];
    this.values = this.fields.map(() => []);
    return event;
  }
}

/** One open event stream. */
export class EventStream {
  /** This stream's id, for plot requests. */
  readonly id = randomBytes(16).toString("base64url");
  readonly #plots = new Map<string, PointBuffer>();
  #lab: LabState | undefined;
  #ended: PlotEndedEvent[] = [];
  #closed = false;
  readonly #timer: NodeJS.Timeout;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onClose: (() => void)[] = [];

  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // A lost stream is retried after a second (browsers otherwise wait about three).
    response.write("retry: 1000\n\n");
    const hello: HelloEvent = { stream: this.id, maxBufferedPoints: MAX_BUFFERED_POINTS, serverTime: Date.now() };
    this.#write("hello", hello);
    this.#timer = setInterval(() => this.#flush(), FLUSH_MS);
    this.#heartbeat = setInterval(() => this.#writable() && response.write(": ping\n\n"), HEARTBEAT_MS);
    response.on("close", () => this.close());
  }

  /** True once the browser went away or the dashboard stopped. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` when the stream closes. */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.push(listener);
  }

  /** Queues the latest lab state (replacing one not sent yet). */
  setLab(lab: LabState): void {
    this.#lab = lab;
  }

  /** The signals this stream plots. */
  get plotted(): string[] {
    return [...this.#plots.keys()];
  }

  /** Starts buffering points of `signal`, whose points have `fields`. */
  startPlot(signal: string, fields: readonly string[]): void {
    if (!this.#plots.has(signal)) this.#plots.set(signal, new PointBuffer(fields));
  }

  /** Stops buffering points of `signal`; returns whether it was plotted. */
  stopPlot(signal: string): boolean {
    return this.#plots.delete(signal);
  }

  /** One point of `signal`, received at `t` (ms since 1970). */
  addPoint(signal: string, t: number, values: readonly (number | null)[]): void {
    this.#plots.get(signal)?.add(t, values);
  }

  /** Says that `signal`'s subscription ended, and stops plotting it. */
  endPlot(signal: string, reason: string): void {
    if (this.#plots.delete(signal)) this.#ended.push({ signal, reason });
  }

  /** Ends the stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    for (const listener of this.#onClose.splice(0)) listener();
    this.#plots.clear();
    this.response.end();
  }

  #writable(): boolean {
    return !this.#closed && this.response.writableLength < MAX_UNSENT_BYTES;
  }

  #flush(): void {
    if (!this.#writable()) return;
    if (this.#lab) {
      this.#write("lab", this.#lab);
      this.#lab = undefined;
    }
    for (const [signal, buffer] of this.#plots) {
      if (!this.#writable()) return;
      const event = buffer.take(signal);
      if (event) this.#write("points", event);
    }
    for (const ended of this.#ended.splice(0)) this.#write("plot-ended", ended);
  }

  #write(event: EventName, data: unknown): void {
    this.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
