/**
 * gRPC handlers for the generated service of hosted objects: decode the request, dispatch, encode the answer.
 *
 * The target object is named by the `qmi-object` metadata; it may be omitted when the context hosts exactly one
 * object of the service.
 *
 * @module
 */
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { decodeRequest, encodeResponse, type WireMessage } from "../protocol/codec.ts";
import { InstrumentError, InvalidArgumentError } from "../protocol/errors.ts";
import { unaryHandler, type CallHandler, type IncomingCall } from "./incoming-call.ts";
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
  return async (call: IncomingCall): Promise<WireMessage> => {
    const object = resolveObject(host, call.object, objectsOf(service));
    let args: unknown[];
    try {
      args = decodeRequest(service, method, call.request);
    } catch (error) {
      throw decodeFailed(error);
    }
    const result = await host.dispatch({
      object,
      method: method.name,
      args,
      deadline: call.deadline,
      signal: call.signal,
      validateArgs: false,
      callerContext: call.callerContext,
      lockToken: call.lockToken,
    });
    try {
      return encodeResponse(service, method, result);
    } catch (error) {
      throw encodeFailed(error);
    }
  };
}

/** The call handlers of one generated service, keyed by RPC name. */
export function objectCallHandlers(host: ObjectServiceHost, service: ServiceDescriptor): Record<string, CallHandler> {
  const handlers: Record<string, CallHandler> = {};
  for (const method of service.methods) handlers[method.rpcName] = objectCallHandler(host, service, method);
  return handlers;
}

/** The handler table of one generated service, keyed by RPC name as grpc-js expects. */
export function objectServiceImplementation(
  host: ObjectServiceHost,
  service: ServiceDescriptor,
  streams: StreamTracker,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [rpcName, handler] of Object.entries(objectCallHandlers(host, service))) implementation[rpcName] = unaryHandler(handler);
  for (const signal of service.signals) {
    implementation[signal.rpcName] = (call: ServerWritableStream<WireMessage, WireMessage>) =>
      serveSignalStream(host, service, signal, call, streams);
  }
  return implementation;
}
