/**
 * Subscriptions of a {@link SignalSink} (usually a `SignalReceiver`) to one signal of one object, in-process
 * (a listener on the object's `Signal`, no sockets) or remote (a server stream, see remote-subscription.ts).
 *
 * A subscription ends exactly once: by {@link Subscription.unsubscribe} (quietly), or because its publisher was
 * removed, its context stopped or its peer was lost (the sink then gets the error, after the signals before it).
 *
 * @module
 */
import { SubscriptionEndedError, UnknownNameError, type QmiError } from "../protocol/errors.ts";
import type { HostedObject } from "../host/object-registry.ts";
import { Signal } from "../driver/signal.ts";
import type { SignalSink } from "./signal-receiver.ts";

/** One live subscription. */
export class Subscription {
  #ended = false;
  #resolveEnded!: (error: QmiError | undefined) => void;
  #cleanup: () => void = () => undefined;
  /** Resolves when the subscription ends: with the error that ended it, or undefined after `unsubscribe()`. */
  readonly ended: Promise<QmiError | undefined>;

  /** @internal */
  constructor(
    /** `<context>.<object>` of the publisher. */
    readonly publisher: string,
    /** The signal name, e.g. `sampleTaken`. */
    readonly signalName: string,
    private readonly sink: SignalSink<never>,
  ) {
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    sink.attach();
  }

  /** True once ended. */
  get isEnded(): boolean {
    return this.#ended;
  }

  /** Sets what ending releases (listener removal, stream cancel). @internal */
  onCleanup(cleanup: () => void): void {
    this.#cleanup = cleanup;
    if (this.#ended) cleanup();
  }

  /** Stops delivery; the receiver keeps what it already queued. */
  unsubscribe(): void {
    this.#finish(new SubscriptionEndedError(`Unsubscribed from ${this.publisher}.${this.signalName}`), false);
  }

  /** Ends the subscription with `error`, reported to the receiver. @internal */
  fail(error: QmiError): void {
    this.#finish(error, true);
  }

  #finish(error: QmiError, report: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cleanup();
    this.sink.end(error);
    this.#resolveEnded(report ? error : undefined);
  }
}

/** The `Signal` object `signalName` of a hosted object, or an {@link UnknownNameError} listing its signals. */
export function signalOf(hosted: HostedObject, signalName: string, address: string): Signal<unknown> {
  const value = (hosted.instance as unknown as Record<string, unknown>)[signalName];
  if (!hosted.metadata.signals.includes(signalName) || !(value instanceof Signal)) {
    const known = hosted.metadata.signals.join(", ") || "none";
    throw new UnknownNameError(`${address} has no signal ${signalName} (signals: ${known})`);
  }
  return value as Signal<unknown>;
}

/**
 * Listens to a hosted object's signal until the listener is removed or the object is removed; returns the
 * function that stops listening. `onRemoved` runs when the object goes away.
 */
export function listenToHosted(
  hosted: HostedObject,
  signalName: string,
  address: string,
  listener: (payload: unknown) => void,
  onRemoved: () => void,
): () => void {
  const signal = signalOf(hosted, signalName, address);
  if (hosted.removed.aborted) throw new UnknownNameError(`${address} has been removed`);
  const stopListening = signal.subscribe(listener);
  const removed = () => {
    stopListening();
    onRemoved();
  };
  hosted.removed.addEventListener("abort", removed, { once: true });
  return () => {
    stopListening();
    hosted.removed.removeEventListener("abort", removed);
  };
}

/** Subscribes `sink` to a signal of an object of the caller's own context. */
export function subscribeLocal(
  hosted: HostedObject,
  contextName: string,
  signalName: string,
  sink: SignalSink<never>,
): Subscription {
  const address = `${contextName}.${hosted.name}`;
  signalOf(hosted, signalName, address);
  const subscription = new Subscription(address, signalName, sink);
  const stop = listenToHosted(
    hosted,
    signalName,
    address,
    (payload) =>
      (sink as SignalSink<unknown>).push({
        publisherContext: contextName,
        publisherName: hosted.name,
        signalName,
        args: payload,
      }),
    () => subscription.fail(new SubscriptionEndedError(`${address} was removed; its signal ${signalName} ended`)),
  );
  subscription.onCleanup(stop);
  return subscription;
}
