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
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { encodeValue, type WireMessage } from "./codec.ts";
import { NotGeneratedError, UnknownNameError } from "./errors.ts";
import { missingHostImportHint } from "./generated-services.ts";
import { OBJECT_METADATA, firstString, type ObjectServiceHost } from "./object-service.ts";
import { loadService } from "./proto-files.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./security-settings.ts";
import type { ServiceDescriptor, SignalDescriptor } from "./service-descriptor.ts";
import { streamSignal, type StreamFormat } from "./signal-stream.ts";
import { signalOf } from "./signal-subscription.ts";
import type { StreamTracker } from "./stream-tracker.ts";

/** The signals service's proto file and name. */
export const SIGNALS_PROTO = "qmi/core/signals.proto";
export const SIGNALS_SERVICE = "qmi.core.Signals";

/** Most events per `SignalBatch`. */
export const SIGNAL_BATCH = 256;

/** Most bytes per `SignalBatch`, however large a message the client accepts. */
export const SIGNAL_BATCH_BYTES = 256 * 1024;

/** The wire form of `qmi.core.SignalBatch`. */
export interface SignalBatch {
  publisher_context: string;
  publisher_name: string;
  signal_name: string;
  first_sequence: string;
  events: Buffer[];
}

/** Serializes and deserializes a signal's generated `<Signal>Event`. */
export interface EventCodec {
  serialize(event: WireMessage): Buffer;
  deserialize(bytes: Buffer): WireMessage;
}

/** The codec of the `<Signal>Event` of `signal` (the response of its generated `Subscribe<Signal>` RPC). */
export function eventCodec(service: ServiceDescriptor, signal: SignalDescriptor): EventCodec {
  const method = loadService(service.protoFile, service.protoService)[signal.rpcName];
  if (!method) throw new NotGeneratedError(`${service.protoFile} lacks ${signal.rpcName}; run \`qmi gen\``);
  return { serialize: method.responseSerialize, deserialize: method.responseDeserialize as (bytes: Buffer) => WireMessage };
}

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
    const { serialize } = eventCodec(service, signal);
    // Room for the batch's own fields; an event takes its bytes plus its tag and length (at most 6 bytes).
    const header = 64 + Buffer.byteLength(host.name + object + signalName);
    const clientMax = Number(call.request.max_message_bytes) || DEFAULT_MAX_MESSAGE_BYTES;
    const format: StreamFormat<Buffer> = {
      key: "event-bytes",
      batch: SIGNAL_BATCH,
      encode: (payload) =>
        serialize(signal.payload.kind === "void" ? {} : { value: encodeValue(service, signal.payload, payload, signalName) }),
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

/** The handler table of `qmi.core.Signals`. */
export function signalsServiceImplementation(host: ObjectServiceHost, streams: StreamTracker): UntypedServiceImplementation {
  return { Subscribe: (call: ServerWritableStream<WireMessage, WireMessage>) => subscribe(host, call, streams) };
}
