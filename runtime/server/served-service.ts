/**
 * A service as the server serves it ({@link ServedService}), and the grpc-js handler table made from it. Every
 * core service module (`context-service.ts`, `lock-service.ts`, `task-service.ts`, `signals-service.ts`) exports
 * one, and `object-service.ts` makes one per generated service; `context-server.ts` serves each the same way: on
 * its own gRPC service, its unary RPCs on the call channel too, in health and in reflection.
 *
 * @module
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { unaryHandler, type CallHandler } from "./incoming-call.ts";

/** One service, served. */
export interface ServedService {
  /** Its `.proto` file, e.g. `qmi/core/lock.proto` (see `protocol/core-services.ts`). */
  readonly protoFile: string;
  /** Its fully qualified name, e.g. `qmi.core.Lock`. */
  readonly service: string;
  /** Its unary RPCs by name: served as unary gRPC calls and carried by `qmi.core.Channel`, with the same handler. */
  readonly calls: Readonly<Record<string, CallHandler>>;
  /** Its streaming RPCs by name, as grpc-js handlers. */
  readonly streams?: UntypedServiceImplementation;
}

/** The grpc-js handler table of `served`: its unary RPCs through {@link unaryHandler}, and its streams. */
export function implementationOf(served: ServedService): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = { ...served.streams };
  for (const [rpcName, handler] of Object.entries(served.calls)) implementation[rpcName] = unaryHandler(handler);
  return implementation;
}
