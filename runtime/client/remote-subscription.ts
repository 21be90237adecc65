/**
 * Subscriptions to a signal of an object in a peer context.
 *
 * Between qmi-ts contexts the events come over `qmi.core.Signals` (several per message, see signals-service.ts).
 * On the `unary` call path, for a task's status, and from a peer that does not serve `qmi.core.Signals` (it
 * answers `UNIMPLEMENTED`), they come over the generated `Subscribe<Signal>` stream (or `qmi.core.Task/WatchStatus`),
 * one per message: the contract other languages use. Either way the sequence numbers the peer sends show the
 * events it dropped, and the sink counts them.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { decodeEvent, type EncodedMessage } from "../protocol/codec.ts";
import { UnknownNameError, type QmiError } from "../protocol/errors.ts";
import type { PeerConnection } from "./peer-connection.ts";
import type { ServiceDescriptor, SignalDescriptor } from "../protocol/service-descriptor.ts";
import type { SignalSink } from "../signals/signal-receiver.ts";
import { Subscription } from "../signals/signal-subscription.ts";
import { SIGNALS_PROTO, SIGNALS_SERVICE, TASK_PROTO, TASK_SERVICE } from "../protocol/core-services.ts";
import type { SignalBatch } from "../protocol/signal-events.ts";

/** True for the error of a call the peer does not serve (`UNIMPLEMENTED`, e.g. a context of an older qmi-ts). */
function isUnimplemented(error: unknown): boolean {
  return (error as { cause?: { code?: unknown } }).cause?.code === status.UNIMPLEMENTED;
}

/**
 * Subscribes `sink` to the signal `signalName` of `object` (whose service is `descriptor`) in the peer context.
 * Resolves once the peer has accepted the stream; rejects with the peer's error (e.g. `UnknownNameError`).
 */
export async function subscribeRemote(
  peer: PeerConnection,
  object: string,
  descriptor: ServiceDescriptor,
  signalName: string,
  sink: SignalSink<never>,
): Promise<Subscription> {
  const publisher = `${peer.name}.${object}`;
  const isStatus = signalName === "statusUpdated" && !descriptor.signals.some((s) => s.name === signalName);
  const signal = isStatus
    ? { name: signalName, rpcName: "WatchStatus", eventType: "TaskStatusEvent", payload: { kind: "void" as const } }
    : descriptor.signals.find((s) => s.name === signalName);
  if (!signal) {
    const known = descriptor.signals.map((s) => s.name).join(", ") || "none";
    throw new UnknownNameError(`${publisher} has no signal ${signalName} (signals: ${known})`);
  }
  const subscription = new Subscription(publisher, signalName, sink);
  let lastSequence = 0;
  /** Delivers the event numbered `sequence`; a gap before it counts the events the peer dropped. */
  /** Who published an event, as the peer says (empty: the object subscribed to). */
  type From = { readonly publisherContext?: string; readonly publisherName?: string; readonly signalName?: string };
  const deliver = (sequence: number, from: From, args: unknown) => {
    const missed = sequence > lastSequence + 1 ? sequence - lastSequence - 1 : 0;
    lastSequence = sequence;
    (sink as SignalSink<unknown>).push(
      {
        publisherContext: from.publisherContext || peer.name,
        publisherName: from.publisherName || object,
        signalName: from.signalName || signalName,
        args,
      },
      missed,
    );
  };
  const stream = { object, what: `subscribe ${publisher}.${signalName}`, onEnd: (error: QmiError) => subscription.fail(error) };
  /** The generated `Subscribe<Signal>` stream (or `WatchStatus`): one event per message. */
  const oneByOne = () =>
    peer.serverStream({
      ...stream,
      protoFile: isStatus ? TASK_PROTO : descriptor.protoFile,
      protoService: isStatus ? TASK_SERVICE : descriptor.protoService,
      rpcName: signal.rpcName,
      request: isStatus ? {} : { bytes: Buffer.alloc(0) },
      onMessage: (message) => {
        if (isStatus) {
          const from = { publisherContext: String(message.publisher_context ?? ""), publisherName: String(message.publisher_name ?? ""), signalName: String(message.signal_name ?? "") };
          deliver(Number(message.sequence ?? 0), from, JSON.parse(String(message.status_json || "{}")) as unknown);
          return;
        }
        const event = decodeEvent(descriptor, signal as SignalDescriptor, (message as EncodedMessage).bytes);
        deliver(event.sequence, event, event.payload);
      },
    });
  /** `qmi.core.Signals/Subscribe`: several events per message. */
  const batched = () => {
    return peer.serverStream({
      ...stream,
      protoFile: SIGNALS_PROTO,
      protoService: SIGNALS_SERVICE,
      rpcName: "Subscribe",
      request: { signal_name: signalName, max_message_bytes: peer.maxMessageBytes },
      onMessage: (message) => {
        const batch = message as unknown as SignalBatch;
        const first = Number(batch.first_sequence);
        const from = { publisherContext: batch.publisher_context, publisherName: batch.publisher_name, signalName: batch.signal_name };
        for (let i = 0; i < batch.events.length; i++) {
          deliver(first + i, from, decodeEvent(descriptor, signal as SignalDescriptor, batch.events[i]!).payload);
        }
      },
    });
  };
  try {
    // The `unary` path keeps to the per-RPC contract, so that it is what tests of that path exercise.
    const cancel =
      isStatus || peer.callPath === "unary"
        ? await oneByOne()
        : await batched().catch((error: unknown) => {
            if (isUnimplemented(error)) return oneByOne();
            throw error;
          });
    subscription.onCleanup(cancel);
  } catch (error) {
    subscription.unsubscribe();
    throw error;
  }
  return subscription;
}
