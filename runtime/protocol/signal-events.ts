/**
 * The signal events of the wire: `qmi.core.SignalBatch` (the batches of `qmi.core.Signals/Subscribe`) and the codec
 * of each signal's generated `<Signal>Event`, shared by the server that streams them and the clients that read them.
 *
 * @module
 */
import type { WireMessage } from "./codec.ts";
import { NotGeneratedError } from "./errors.ts";
import { loadService } from "./proto-files.ts";
import type { ServiceDescriptor, SignalDescriptor } from "./service-descriptor.ts";

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
