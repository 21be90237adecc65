/**
 * The core `qmi.core.Signals` service (`idl/qmi/core/signals.proto`): the signals of hosted objects, several
 * events per message. qmi-ts contexts subscribe to each other's signals through it; other languages use the
 * generated `Subscribe<Signal>` streams, which carry the same events one per message.
 *
 * Each event is the serialized `<Signal>Event` of the object's generated service with only the payload set,
 * encoded once per publish for every batched stream of that signal.
 *
 * @module
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import type { ServedService } from "./served-service.ts";
import { SIGNALS_PROTO, SIGNALS_SERVICE } from "../protocol/core-services.ts";
import { encodeEvent, type WireMessage } from "../protocol/codec.ts";
import { NotGeneratedError, UnknownNameError } from "../protocol/errors.ts";
import { missingHostImportHint } from "../protocol/generated-services.ts";
import type { ObjectServiceHost } from "./object-address.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../config/security-settings.ts";
import { streamSignal, type StreamFormat } from "./signal-stream.ts";
import { signalOf } from "../signals/signal-subscription.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { OBJECT_METADATA, firstString } from "../protocol/metadata-keys.ts";

/** Most events per `SignalBatch`. */
export const SIGNAL_BATCH = 256;

/** Most bytes per `SignalBatch`, however large a message the client accepts. */
const SIGNAL_BATCH_BYTES = 256 * 1024;

/** Handles one `Subscribe` call: the object named by `qmi-object`, the signal named in the request. */
function subscribe(host: ObjectServiceHost, call: ServerWritableStream<WireMessage, WireMessage>, streams: StreamTracker): void {
  streamSignal(call, streams, () => {
    const object = firstString(call.metadata, OBJECT_METADATA);
    if (object === undefined) throw new UnknownNameError(`Name the object in the ${OBJECT_METADATA} metadata`);
    const hosted = host.objects.getOrThrow(object);
    const address = `${host.name}.${object}`;
    const signalName = String(call.request.signal_name ?? "");
    signalOf(hosted, signalName, address); // an unknown signal: the error lists the known ones
    const service = hosted.descriptor;
    const signal = service?.signals.find((s) => s.name === signalName);
    if (!service || !signal) {
      throw new NotGeneratedError(`${address} (${hosted.className}) is not served to peers: ${missingHostImportHint(hosted.className)}`);
    }
    // Room for the batch's own fields; an event takes its bytes plus its tag and length (at most 6 bytes).
    const header = 64 + Buffer.byteLength(host.name + object + signalName);
    const clientMax = Number(call.request.max_message_bytes) || DEFAULT_MAX_MESSAGE_BYTES;
    const format: StreamFormat<Buffer> = {
      key: "event-bytes",
      batch: SIGNAL_BATCH,
      encode: (payload) => encodeEvent(service, signal, payload),
      bytes: { max: Math.min(SIGNAL_BATCH_BYTES, clientMax - header), size: (event) => event.length + 6 },
      message: (events, firstSequence) => ({
        publisher_context: host.name,
        publisher_name: object,
        signal_name: signalName,
        first_sequence: String(firstSequence),
        events,
      }),
    };
    return { hosted, signalName, address, format };
  });
}

/** `qmi.core.Signals`: the `Subscribe` stream (it has no unary RPC). */
export function signalsService(host: ObjectServiceHost, streams: StreamTracker): ServedService {
  return {
    protoFile: SIGNALS_PROTO,
    service: SIGNALS_SERVICE,
    calls: {},
    streams: { Subscribe: (call: ServerWritableStream<WireMessage, WireMessage>) => subscribe(host, call, streams) },
  };
}
