/**
 * gRPC handlers for the generated service of hosted objects: decode the request, dispatch, encode the answer.
 *
 * The target object is named by the `qmi-object` metadata; it may be omitted when the context hosts exactly one
 * object of the service.
 *
 * @module
 */
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { decodeRequest, encodeResponse, type EncodedMessage, type WireMessage } from "../protocol/codec.ts";
import { InstrumentError, InvalidArgumentError } from "../protocol/errors.ts";
import type { CallHandler, IncomingCall } from "./incoming-call.ts";
import type { ServedService } from "./served-service.ts";
import type { MethodDescriptor, ServiceDescriptor } from "../protocol/service-descriptor.ts";
import { serveSignalStream } from "./signal-stream.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { objectsOf, resolveObject, type ObjectServiceHost } from "./object-address.ts";

/**
 * The handler of one RPC of a generated service, shared by the unary gRPC handler and the `qmi.core.Channel`
 * stream: resolve the object, decode the request, {@link ObjectServiceHost.dispatch}, encode the answer.
 */
function objectCallHandler(host: ObjectServiceHost, service: ServiceDescriptor, method: MethodDescriptor): CallHandler {
  const path = `${service.protoService}/${method.rpcName}`;
  const decodeFailed = (error: unknown) =>
    new InvalidArgumentError(`Cannot decode the request of ${path}: ${(error as Error).message}`);
  const encodeFailed = (error: unknown) =>
    new InstrumentError(`The driver returned an invalid result: ${(error as Error).message}`);
  const encode = (result: unknown): EncodedMessage => {
    try {
      return { bytes: encodeResponse(service, method, result) };
    } catch (error) {
      throw encodeFailed(error);
    }
  };
  // Not an async function: nothing of `call` (its request bytes, up to 256 MiB in parts) stays referenced while
  // the driver runs, so the request can be collected once decoded.
  return (call: IncomingCall): Promise<EncodedMessage> => {
    try {
      const object = resolveObject(host, call.object, objectsOf(service));
      let args: unknown[];
      try {
        args = decodeRequest(service, method, (call.request as EncodedMessage).bytes);
      } catch (error) {
        throw decodeFailed(error);
      }
      return host
        .dispatch({
          object,
          method: method.name,
          args,
          deadline: call.deadline,
          signal: call.signal,
          validateArgs: false,
          callerContext: call.callerContext,
          lockToken: call.lockToken,
        })
        .then(encode);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** The generated service of `service`: its methods (on the call channel too) and its signals' streams. */
export function objectService(host: ObjectServiceHost, service: ServiceDescriptor, streams: StreamTracker): ServedService {
  const calls: Record<string, CallHandler> = {};
  for (const method of service.methods) calls[method.rpcName] = objectCallHandler(host, service, method);
  const signalStreams: UntypedServiceImplementation = {};
  for (const signal of service.signals) {
    signalStreams[signal.rpcName] = (call: ServerWritableStream<WireMessage, WireMessage>) =>
      serveSignalStream(host, service, signal, call, streams);
  }
  return { protoFile: service.protoFile, service: service.protoService, calls, streams: signalStreams };
}
