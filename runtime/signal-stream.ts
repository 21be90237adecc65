/**
 * Serves one `Subscribe<Signal>` server stream: listens to the hosted object's signal and writes one
 * `<Signal>Event` per publish.
 *
 * Event fields: `value = 1` (the payload), `publisher_context = 2`, `publisher_name = 3`, `signal_name = 4`,
 * `sequence = 5` (1, 2, ... per stream, counting events dropped by this server). The response headers are sent
 * once the subscription is in place, so a client knows it will see every later publish. Memory is bounded: at
 * most {@link STREAM_BACKLOG} events are handed to HTTP/2 and not yet flushed, and while that many are, at most
 * {@link STREAM_BACKLOG} more wait, the oldest dropped first (the gap shows in `sequence`). The stream ends with `ABORTED` /
 * `SubscriptionEndedError` when the publisher is removed or the context stops.
 *
 * @module
 */
import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import { encodeValue, type WireMessage } from "./codec.ts";
import { directSender } from "./direct-sender.ts";
import { QmiError, SubscriptionEndedError } from "./errors.ts";
import type { HostedObject } from "./object-registry.ts";
import { resolveObject, type ObjectServiceHost } from "./object-service.ts";
import type { ServiceDescriptor, SignalDescriptor } from "./service-descriptor.ts";
import { listenToHosted } from "./signal-subscription.ts";
import { toStatus } from "./status-mapping.ts";
import type { StreamTracker } from "./stream-tracker.ts";

/** Events kept per stream while the client does not keep up. */
export const STREAM_BACKLOG = 1000;

/** Where a stream's events come from: a signal of a hosted object. */
export interface StreamSource {
  readonly hosted: HostedObject;
  readonly signalName: string;
  /** `<context>.<object>`, for messages. */
  readonly address: string;
}

/**
 * Streams the signal named by `source()` to `call`: one event per publish, made by `toEvent` (which may return
 * undefined to skip one), numbered from 1. Bounded: while flow control holds writes back, at most
 * {@link STREAM_BACKLOG} events wait, the oldest dropped first. Ends with `SubscriptionEndedError` when the object
 * is removed or the server closes; a `source()` that throws ends the stream at once with that error's status.
 */
export function streamSignal(
  call: ServerWritableStream<WireMessage, WireMessage>,
  streams: StreamTracker,
  source: () => StreamSource,
  toEvent: (payload: unknown, sequence: number) => WireMessage | undefined,
): void {
  let stop: () => void = () => undefined;
  let untrack: () => void = () => undefined;
  let done = false;
  const end = (error: QmiError | undefined) => {
    if (done) return;
    done = true;
    stop();
    untrack();
    if (error) call.emit("error", toStatus(error));
    else call.end();
  };
  try {
    const { hosted, signalName, address } = source();
    let sequence = 0;
    let paused = false;
    /** Events waiting while paused: `backlog[head..]` (an index, not `shift()`, which is O(n) per dropped event). */
    let backlog: WireMessage[] = [];
    let head = 0;
    // Many events in flight at once (see direct-sender.ts: `call.write` sends one per flush, ~10k/s measured).
    const direct = directSender(call);
    let unsent = 0;
    const resume = () => {
      paused = false;
      while (head < backlog.length && !paused) write(backlog[head++]!);
      if (head === backlog.length) {
        backlog = [];
        head = 0;
      }
    };
    const onSent = () => {
      unsent--;
      if (paused && unsent <= STREAM_BACKLOG / 2) resume();
    };
    const write = (event: WireMessage) => {
      if (!direct) {
        if (!call.write(event)) paused = true;
        return;
      }
      unsent++;
      direct.sendMessage(event, onSent);
      if (unsent >= STREAM_BACKLOG) paused = true;
    };
    if (!direct) call.on("drain", resume);
    stop = listenToHosted(
      hosted,
      signalName,
      address,
      (payload) => {
        const event = toEvent(payload, ++sequence);
        if (!event) return;
        if (!paused) return write(event);
        if (backlog.length - head >= STREAM_BACKLOG) head++; // the oldest is dropped (the gap shows in `sequence`)
        if (head > STREAM_BACKLOG) {
          backlog = backlog.slice(head);
          head = 0;
        }
        backlog.push(event);
      },
      () => end(new SubscriptionEndedError(`${address} was removed; its ${signalName} stream ended`)),
    );
    untrack = streams.add(end);
    call.on("cancelled", () => end(undefined));
    call.sendMetadata(new Metadata());
  } catch (error) {
    end(QmiError.from(error));
  }
}

/** Handles one subscribe call; a bad object or signal name ends it with `NOT_FOUND` at once. */
export function serveSignalStream(
  host: ObjectServiceHost,
  service: ServiceDescriptor,
  signal: SignalDescriptor,
  call: ServerWritableStream<WireMessage, WireMessage>,
  streams: StreamTracker,
): void {
  let object = "";
  streamSignal(
    call,
    streams,
    () => {
      object = resolveObject(host, service, call.metadata);
      return { hosted: host.objects.getOrThrow(object), signalName: signal.name, address: `${host.name}.${object}` };
    },
    (payload, sequence) => {
      const event: WireMessage = {
        publisher_context: host.name,
        publisher_name: object,
        signal_name: signal.name,
        sequence: String(sequence),
      };
      try {
        if (signal.payload.kind !== "void") event.value = encodeValue(service, signal.payload, payload, signal.name);
      } catch {
        return undefined; // A payload that does not match its declared type is not sent (the sequence shows the gap).
      }
      return event;
    },
  );
}
