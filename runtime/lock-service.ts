/**
 * gRPC handlers of the core `qmi.core.Lock` service.
 *
 * @module
 */
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { LockDispatchRequest, LockOperation } from "./dispatcher.ts";
import { UnknownNameError } from "./errors.ts";
import { CONTEXT_METADATA, OBJECT_METADATA, firstString, unaryHandler, type CallHandler, type IncomingCall } from "./incoming-call.ts";
import type { LockLeases } from "./lock-leases.ts";
import type { ObjectServiceHost } from "./object-service.ts";

/** The lock service's proto file and name. */
export const LOCK_PROTO = "qmi/core/lock.proto";
export const LOCK_SERVICE = "qmi.core.Lock";

/** What the lock handlers need from their context. */
export interface LockServiceHost extends ObjectServiceHost {
  dispatchLock(request: LockDispatchRequest): Promise<boolean>;
  readonly leases: LockLeases;
}

type Request = Record<string, unknown>;

/** `qmi-object`, or the context's only object. */
function targetObject(host: LockServiceHost, named: string | undefined): string {
  if (named !== undefined) return named;
  const all = host.objects.list();
  if (all.length === 1) return all[0]!.name;
  throw new UnknownNameError(
    `Context ${host.name} hosts ${all.length} objects; name one in the ${OBJECT_METADATA} metadata`,
  );
}

function handler(
  host: LockServiceHost,
  operationOf: (request: Request) => LockOperation,
  answer: (result: boolean) => Request,
): CallHandler {
  return async (call: IncomingCall): Promise<Request> => {
    const object = targetObject(host, call.object);
    const operation = operationOf(call.request);
    const leaseId = operation.kind === "lock" ? call.leaseId : undefined;
    if (leaseId !== undefined) host.leases.touch(leaseId, object);
    return answer(
      await host.dispatchLock({
        object,
        operation,
        leaseId,
        deadline: call.deadline,
        signal: call.signal,
        callerContext: call.callerContext,
        lockToken: call.lockToken,
      }),
    );
  };
}

/**
 * The call handlers of `qmi.core.Lock`'s unary RPCs, keyed by RPC name; shared by the unary gRPC handlers and the
 * `qmi.core.Channel` stream.
 */
export function lockCallHandlers(host: LockServiceHost): Record<string, CallHandler> {
  return {
    Lock: handler(host, (r) => ({ kind: "lock", timeout: Number(r.timeout_seconds ?? 0) }), (granted) => ({ granted })),
    Unlock: handler(
      host,
      (r) => ({ kind: "unlock", contextName: (r.context_name as string | undefined) || undefined }),
      (released) => ({ released }),
    ),
    ForceUnlock: handler(host, () => ({ kind: "forceUnlock" }), (wasLocked) => ({ was_locked: wasLocked })),
    IsLocked: handler(host, () => ({ kind: "isLocked" }), (locked) => ({ locked })),
  };
}

/** The handler table of `qmi.core.Lock`. */
export function lockServiceImplementation(host: LockServiceHost): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [rpcName, call] of Object.entries(lockCallHandlers(host))) implementation[rpcName] = unaryHandler(call);
  return {
    ...implementation,
    Lease: (call: ServerWritableStream<Request, Request>) => {
      const id = host.leases.open(firstString(call.metadata, CONTEXT_METADATA) ?? "");
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        void host.leases.end(id);
      };
      call.on("cancelled", end);
      call.on("close", end);
      call.on("error", end);
      call.write({ lease_id: id });
    },
  };
}
