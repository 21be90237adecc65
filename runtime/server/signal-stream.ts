/**
 * Serves signal streams: the generated `Subscribe<Signal>` streams (one `<Signal>Event` per publish), and the engine
 * they share with the batched `qmi.core.Signals` stream and the task `WatchStatus` stream.
 *
 * Event fields of `Subscribe<Signal>`: `value = 1` (the payload), `publisher_context = 2`, `publisher_name = 3`,
 * `signal_name = 4`, `sequence = 5` (1, 2, ... per stream, counting events dropped by this server). The response
 * headers are sent once the subscription is in place, so a client knows it will see every later publish. Memory is
 * bounded: at most {@link STREAM_BACKLOG} events are handed to HTTP/2 and not yet flushed, and while that many are,
 * at most {@link STREAM_BACKLOG} more wait, the oldest dropped first (the gap shows in `sequence`). The stream ends
 * with `ABORTED` / `SubscriptionEndedError` when the publisher is removed or the context stops.
 *
 * @module
 */
import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import { encodeEvent, eventEnvelope, type WireMessage } from "../protocol/codec.ts";
import { directSender } from "./direct-sender.ts";
import { QmiError, SubscriptionEndedError } from "../protocol/errors.ts";
import type { HostedObject } from "../host/object-registry.ts";
import { objectsOf, resolveObject, type ObjectServiceHost } from "./object-address.ts";
import { OBJECT_METADATA, firstString } from "../protocol/metadata-keys.ts";
import type { ServiceDescriptor, SignalDescriptor } from "../protocol/service-descriptor.ts";
import { listenToHosted } from "../signals/signal-subscription.ts";
import { toStatus } from "../protocol/status-mapping.ts";
import type { StreamTracker } from "./stream-tracker.ts";

/** Events kept per stream while the client does not keep up. */
export const STREAM_BACKLOG = 1000;

/** How a stream turns publishes into messages. */
export interface StreamFormat<E> {
  /**
   * Names what {@link encode} makes: the streams of one signal whose formats have the same key share one
   * `encode` per publish (the first stream's), so a payload is encoded once however many clients subscribe.
   */
  readonly key: string;
  /** Encodes one publish; undefined (or a throw) skips it, and the gap shows in the sequence numbers. */
  encode(payload: unknown): E | undefined;
  /** One message carrying `events`, consecutive from sequence number `firstSequence`. */
  message(events: E[], firstSequence: number): WireMessage;
  /**
   * Most events per message. Above 1, publishes wait for the end of the event-loop turn (or until that many
   * wait) and go out together, so a burst costs a few messages instead of one per event.
   */
  readonly batch: number;
  /** With `batch` above 1: the bytes a message may take, and an event's share (an event larger alone still goes). */
  readonly bytes?: { readonly max: number; size(event: E): number };
}

/** Where a stream's events come from (a signal of a hosted object) and how they are sent. */
export interface StreamSource<E = unknown> {
  readonly hosted: HostedObject;
  readonly signalName: string;
  /** `<context>.<object>`, for messages. */
  readonly address: string;
  readonly format: StreamFormat<E>;
}

/** One listener on a hosted object's signal, shared by the streams whose formats have the same key. */
interface SharedListener {
  /** Each stream's listener, with what to call when the object is removed. */
  readonly members: Map<(event: unknown) => void, () => void>;
  /** Stops listening to the signal. */
  readonly stop: () => void;
}

const sharedListeners = new WeakMap<HostedObject, Map<string, SharedListener>>();

/**
 * Like {@link listenToHosted}, but the streams of one signal with the same {@link StreamFormat.key} share one
 * listener on the signal, which encodes each publish once for all of them.
 */
function listenEncoded<E>(source: StreamSource<E>, listener: (event: E | undefined) => void, onRemoved: () => void): () => void {
  const { hosted, signalName, address, format } = source;
  let byKey = sharedListeners.get(hosted);
  if (!byKey) sharedListeners.set(hosted, (byKey = new Map()));
  const groups = byKey;
  const key = `${signalName}/${format.key}`;
  let shared = groups.get(key);
  if (!shared) {
    const members: SharedListener["members"] = new Map();
    const encodeAndSend = (payload: unknown) => {
      let event: E | undefined;
      try {
        event = format.encode(payload);
      } catch {
        event = undefined; // A payload that does not match its declared type is not sent (the sequence shows the gap).
      }
      for (const member of members.keys()) {
        try {
          member(event);
        } catch {
          // One failing stream must not keep the event from the others (as with separate listeners).
        }
      }
    };
    const removed = () => {
      groups.delete(key);
      for (const end of [...members.values()]) end();
    };
    shared = { members, stop: listenToHosted(hosted, signalName, address, encodeAndSend, removed) };
    groups.set(key, shared);
  }
  const group = shared;
  const member = listener as (event: unknown) => void;
  group.members.set(member, onRemoved);
  return () => {
    group.members.delete(member);
    if (group.members.size > 0) return;
    group.stop();
    if (groups.get(key) === group) groups.delete(key);
  };
}

/**
 * Streams the signal named by `source()` to `call`, in messages made by its format, numbered from 1. Bounded:
 * at most {@link STREAM_BACKLOG} events are handed to HTTP/2 unflushed, and while that many are, at most
 * {@link STREAM_BACKLOG} more wait, the oldest dropped first. Ends with `SubscriptionEndedError` when the object is
 * removed or the server closes; a `source()` that throws ends the stream at once with that error's status.
 */
export function streamSignal<E>(
  call: ServerWritableStream<WireMessage, WireMessage>,
  streams: StreamTracker,
  source: () => StreamSource<E>,
): void {
  let stop: () => void = () => undefined;
  let untrack: () => void = () => undefined;
  let flush: () => void = () => undefined;
  let done = false;
  const end = (error: QmiError | undefined) => {
    if (done) return;
    if (error) flush(); // events of this turn still go out before the status
    done = true;
    stop();
    untrack();
    if (error) call.emit("error", toStatus(error));
    else call.end();
  };
  try {
    const resolved = source();
    const format = resolved.format;
    const size = format.bytes?.size ?? (() => 0);
    const maxBytes = format.bytes?.max ?? Infinity;
    let sequence = 0;
    /** Events waiting (`events[head..]`, numbered `numbers[head..]`): an index, not `shift()`, which is O(n). */
    let events: E[] = [];
    let numbers: number[] = [];
    let head = 0;
    let paused = false;
    let scheduled = false;
    // Many messages in flight at once (see direct-sender.ts: `call.write` sends one per flush, ~10k/s measured).
    const direct = directSender(call);
    let unsent = 0;
    const sent = (count: number) => {
      unsent -= count;
      if (paused && unsent <= STREAM_BACKLOG / 2) {
        paused = false;
        flush();
      }
    };
    const sentOne = () => sent(1);
    const send = (from: number, to: number) => {
      const message = format.message(events.slice(from, to), numbers[from]!);
      if (!direct) {
        if (!call.write(message)) paused = true;
        return;
      }
      const count = to - from;
      unsent += count;
      direct.sendMessage(message, count === 1 ? sentOne : () => sent(count));
      if (unsent >= STREAM_BACKLOG) paused = true;
    };
    flush = () => {
      scheduled = false;
      while (!done && !paused && head < events.length) {
        // A message takes consecutive events only: a dropped or skipped one starts the next.
        let to = head + 1;
        let bytes = size(events[head]!);
        while (to < events.length && to - head < format.batch && numbers[to] === numbers[to - 1]! + 1) {
          bytes += size(events[to]!);
          if (bytes > maxBytes) break;
          to++;
        }
        send(head, to);
        head = to;
      }
      if (head === events.length) {
        events.length = 0;
        numbers.length = 0;
        head = 0;
      }
    };
    if (!direct) {
      call.on("drain", () => {
        paused = false;
        flush();
      });
    }
    const onEvent = (event: E | undefined) => {
      const number = ++sequence;
      if (event === undefined) return;
      if (events.length - head >= STREAM_BACKLOG) head++; // the oldest is dropped (the gap shows in the sequence)
      if (head > STREAM_BACKLOG) {
        events = events.slice(head);
        numbers = numbers.slice(head);
        head = 0;
      }
      events.push(event);
      numbers.push(number);
      if (paused) return;
      if (events.length - head >= format.batch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const { signalName, address } = resolved;
    stop = listenEncoded(resolved, onEvent, () =>
      end(new SubscriptionEndedError(`${address} was removed; its ${signalName} stream ended`)),
    );
    untrack = streams.add(end);
    call.on("cancelled", () => end(undefined));
    call.sendMetadata(new Metadata());
  } catch (error) {
    end(QmiError.from(error));
  }
}

/** Handles one `Subscribe<Signal>` call; a bad object or signal name ends it with `NOT_FOUND` at once. */
export function serveSignalStream(
  host: ObjectServiceHost,
  service: ServiceDescriptor,
  signal: SignalDescriptor,
  call: ServerWritableStream<WireMessage, WireMessage>,
  streams: StreamTracker,
): void {
  streamSignal(call, streams, () => {
    const object = resolveObject(host, firstString(call.metadata, OBJECT_METADATA), objectsOf(service));
    const format: StreamFormat<Buffer> = {
      key: "event-value",
      batch: 1,
      encode: (payload) => encodeEvent(service, signal, payload),
      message: ([value], sequence) => ({
        bytes: eventEnvelope(value!, { publisherContext: host.name, publisherName: object, signalName: signal.name, sequence }),
      }),
    };
    return { hosted: host.objects.getOrThrow(object), signalName: signal.name, address: `${host.name}.${object}`, format };
  });
}
