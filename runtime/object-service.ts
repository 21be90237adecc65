/**
 * gRPC handlers for the generated service of hosted objects: decode the request, dispatch, encode the answer.
 *
 * The target object is named by the `qmi-object` metadata; it may be omitted when the context hosts exactly one
 * object of the service.
 *
 * @module
 */
import { type Metadata, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { decodeRequest, encodeResponse, type WireMessage } from "./codec.ts";
import { InstrumentError, InvalidArgumentError, UnknownNameError } from "./errors.ts";
import type { DispatchRequest } from "./dispatcher.ts";
import { OBJECT_METADATA, firstString, unaryHandler, type CallHandler, type IncomingCall } from "./incoming-call.ts";
import type { ObjectRegistry } from "./object-registry.ts";
import type { MethodDescriptor, ServiceDescriptor } from "./service-descriptor.ts";
import { serveSignalStream } from "./signal-stream.ts";
import type { StreamTracker } from "./stream-tracker.ts";

export {
  CONTEXT_METADATA,
  LEASE_METADATA,
  LOCK_TOKEN_METADATA,
  OBJECT_METADATA,
  firstString,
} from "./incoming-call.ts";

/** What the handlers need from their context. */
export interface ObjectServiceHost {
  readonly name: string;
  readonly objects: ObjectRegistry;
  dispatch(request: DispatchRequest): Promise<unknown>;
}

/** The object a call addresses: `qmi-object`, or the only object of the service. */
export function resolveObject(host: ObjectServiceHost, service: ServiceDescriptor, metadata: Metadata): string {
  return resolveNamedObject(host, service, firstString(metadata, OBJECT_METADATA));
}

/** The object a call addresses: `named` (its `qmi-object`), or the only object of the service. */
export function resolveNamedObject(host: ObjectServiceHost, service: ServiceDescriptor, named: string | undefined): string {
  if (named !== undefined) {
    const hosted = host.objects.get(named);
    if (hosted && hosted.descriptor?.protoService !== service.protoService) {
      throw new UnknownNameError(
        `${host.name}.${named} is a ${hosted.className}, which does not implement ${service.protoService}`,
      );
    }
    return named;
  }
  const candidates = host.objects.list().filter((o) => o.descriptor?.protoService === service.protoService);
  if (candidates.length === 1) return candidates[0]!.name;
  const names = candidates.map((o) => o.name).join(", ") || "none";
  throw new UnknownNameError(
    `Context ${host.name} hosts ${candidates.length} objects of ${service.protoService} (${names}); ` +
      `name one in the ${OBJECT_METADATA} metadata`,
  );
}

/**
 * The handler of one RPC of a generated service, shared by the unary gRPC handler and the `qmi.core.Channel`
 * stream: resolve the object, decode the request, {@link ObjectServiceHost.dispatch}, encode the answer.
 */
export function objectCallHandler(host: ObjectServiceHost, service: ServiceDescriptor, method: MethodDescriptor): CallHandler {
  const path = `${service.protoService}/${method.rpcName}`;
  const decodeFailed = (error: unknown) =>
    new InvalidArgumentError(`Cannot decode the request of ${path}: ${(error as Error).message}`);
  const encodeFailed = (error: unknown) =>
    new InstrumentError(`The driver returned an invalid result: ${(error as Error).message}`);
  return async (call: IncomingCall): Promise<WireMessage> => {
    const object = resolveNamedObject(host, service, call.object);
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
