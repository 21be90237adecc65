/**
 * Plotted signals: one subscription per signal, however many browser tabs plot it, ended when the last one stops.
 * Each signal's numbers go to every stream that plots it (see `event-stream.ts` for their bounds).
 *
 * @module
 */
import type { Context } from "../../runtime/context/context.ts";
import { InvalidArgumentError, QmiError, UnknownNameError } from "../../runtime/protocol/errors.ts";
import type { ReceivedSignal, SignalSink } from "../../runtime/signals/signal-receiver.ts";
import type { Subscription } from "../../runtime/signals/signal-subscription.ts";
import type { EventStream } from "./event-stream.ts";
import { readNumbers } from "./typed-values.ts";

/** The most signals one stream may plot at once. */
export const MAX_PLOTS_PER_STREAM = 16;

/** Finds the plottable fields of `context.object.signal`, or throws (unknown signal, nothing numeric). */
export type FieldsOf = (signal: string) => readonly string[];

/** The subscription of one signal and the streams plotting it. */
class PlottedSignal implements SignalSink<unknown> {
  readonly streams = new Set<EventStream>();
  subscription: Subscription | undefined;

  constructor(
    readonly signal: string,
    readonly fields: readonly string[],
    private readonly onEnd: (plotted: PlottedSignal) => void,
  ) {}

  push(received: Omit<ReceivedSignal<unknown>, "receiverSeqnr">): void {
    const t = Date.now();
    const values = readNumbers(received.args, this.fields);
    for (const stream of this.streams) stream.addPoint(this.signal, t, values);
  }

  end(error: QmiError): void {
    const reason = `${error.name}: ${error.message}`;
    for (const stream of this.streams) stream.endPlot(this.signal, reason);
    this.streams.clear();
    this.onEnd(this);
  }

  attach(): void {}
}

/** The signals plotted by a dashboard's streams. */
export class SignalPlots {
  readonly #signals = new Map<string, PlottedSignal>();
  /** Subscriptions being made, so that two requests for one signal make one. */
  readonly #pending = new Map<string, Promise<PlottedSignal>>();

  constructor(
    private readonly context: Context,
    private readonly fieldsOf: FieldsOf,
  ) {}

  /** Sends `signal`'s points to `stream` from now on (subscribing if no stream plots it yet). */
  async start(stream: EventStream, signal: string): Promise<void> {
    if (stream.plotted.includes(signal)) return;
    if (stream.plotted.length >= MAX_PLOTS_PER_STREAM) {
      throw new InvalidArgumentError(`A page plots at most ${MAX_PLOTS_PER_STREAM} signals at once; stop one first`);
    }
    const plotted = this.#signals.get(signal) ?? (await this.#subscribe(signal));
    if (stream.closed) return this.#release(plotted);
    stream.startPlot(signal, plotted.fields);
    plotted.streams.add(stream);
  }

  /** Stops sending `signal`'s points to `stream` (unsubscribing when no stream plots it any more). */
  stop(stream: EventStream, signal: string): void {
    stream.stopPlot(signal);
    const plotted = this.#signals.get(signal);
    if (!plotted) return;
    plotted.streams.delete(stream);
    this.#release(plotted);
  }

  /** Stops everything `stream` plots (when it closes). */
  stopAll(stream: EventStream): void {
    for (const signal of stream.plotted) this.stop(stream, signal);
  }

  /** Ends every subscription. */
  close(): void {
    for (const plotted of this.#signals.values()) plotted.subscription?.unsubscribe();
    this.#signals.clear();
  }

  #release(plotted: PlottedSignal): void {
    if (plotted.streams.size > 0 || this.#signals.get(plotted.signal) !== plotted) return;
    this.#signals.delete(plotted.signal);
    plotted.subscription?.unsubscribe();
  }

  #subscribe(signal: string): Promise<PlottedSignal> {
    const pending = this.#pending.get(signal);
    if (pending) return pending;
    const subscribing = (async () => {
      const match = /^([^.]+)\.([^.]+)\.([^.]+)$/.exec(signal);
      if (!match) throw new InvalidArgumentError(`${JSON.stringify(signal)} is not a signal; write <context>.<object>.<signal>`);
      const fields = this.fieldsOf(signal);
      if (fields.length === 0) throw new UnknownNameError(`${signal} has no numbers to plot`);
      const plotted = new PlottedSignal(signal, fields, (ended) => {
        if (this.#signals.get(ended.signal) === ended) this.#signals.delete(ended.signal);
      });
      const proxy = await this.context.getInstrument(`${match[1]}.${match[2]}`);
      plotted.subscription = await proxy.subscribe(match[3]!, plotted);
      this.#signals.set(signal, plotted);
      return plotted;
    })();
    this.#pending.set(signal, subscribing);
    return subscribing.finally(() => this.#pending.delete(signal)).catch((error: unknown) => Promise.reject(QmiError.from(error)));
  }
}
