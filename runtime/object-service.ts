/**
 * gRPC handlers for the generated service of hosted objects: decode the request, dispatch, encode the answer.
 *
 * The target object is named by the `qmi-object` metadata; it may be omitted when the context hosts exactly one
 * object of the service.
 *
 * @module
 */
import {
  type Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { decodeRequest, encodeResponse, type WireMessage } from "./codec.ts";
import { InstrumentError, InvalidArgumentError, UnknownNameError } from "./errors.ts";
import type { DispatchRequest } from "./dispatcher.ts";
import type { ObjectRegistry } from "./object-registry.ts";
import type { MethodDescriptor, ServiceDescriptor } from "./service-descriptor.ts";
import { serveSignalStream } from "./signal-stream.ts";
import { toStatus } from "./status-mapping.ts";
import type { StreamTracker } from "./stream-tracker.ts";

/** Metadata key naming the target object. */
export const OBJECT_METADATA = "qmi-object";
/** Metadata key naming the calling context. */
export const CONTEXT_METADATA = "qmi-context";
/** Metadata key carrying the caller's lock token. */
export const LOCK_TOKEN_METADATA = "qmi-lock-token";
/** Metadata key tying a `Lock` call to a lease (see `qmi.core.Lock/Lease`). */
export const LEASE_METADATA = "qmi-lease";

/** What the handlers need from their context. */
export interface ObjectServiceHost {
  readonly name: string;
  readonly objects: ObjectRegistry;
  dispatch(request: DispatchRequest): Promise<unknown>;
}

/** The first value of a metadata key, when it is a non-empty string. */
export function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The object a call addresses: `qmi-object`, or the only object of the service. */
export function resolveObject(host: ObjectServiceHost, service: ServiceDescriptor, metadata: Metadata): string {
  const named = firstString(metadata, OBJECT_METADATA);
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

function unaryHandler(host: ObjectServiceHost, service: ServiceDescriptor, method: MethodDescriptor) {
  return (call: ServerUnaryCall<WireMessage, WireMessage>, callback: sendUnaryData<WireMessage>) => {
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort());
    const path = `${service.protoService}/${method.rpcName}`;
    new Promise<unknown>((resolve) => {
      const object = resolveObject(host, service, call.metadata);
      let args: unknown[];
      try {
        args = decodeRequest(service, method, call.request);
      } catch (error) {
        throw new InvalidArgumentError(`Cannot decode the request of ${path}: ${(error as Error).message}`);
      }
      const deadline = call.getDeadline();
      resolve(
        host.dispatch({
          object,
          method: method.name,
          args,
          deadline: deadline instanceof Date ? deadline.getTime() : deadline,
          signal: abort.signal,
          validateArgs: false,
          callerContext: firstString(call.metadata, CONTEXT_METADATA),
          lockToken: firstString(call.metadata, LOCK_TOKEN_METADATA),
        }),
      );
    })
      .then((result) => {
        try {
          return encodeResponse(service, method, result);
        } catch (error) {
          throw new InstrumentError(`The driver returned an invalid result: ${(error as Error).message}`);
        }
      })
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error)),
      );
  };
}

/** The handler table of one generated service, keyed by RPC name as grpc-js expects. */
export function objectServiceImplementation(
  host: ObjectServiceHost,
  service: ServiceDescriptor,
  streams: StreamTracker,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) implementation[method.rpcName] = unaryHandler(host, service, method);
  for (const signal of service.signals) {
    implementation[signal.rpcName] = (call: ServerWritableStream<WireMessage, WireMessage>) =>
      serveSignalStream(host, service, signal, call, streams);
  }
  return implementation;
}
