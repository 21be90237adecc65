/**
 * gRPC handlers of the core `qmi.core.Lock` service.
 *
 * @module
 */
import type { ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation, sendUnaryData } from "@grpc/grpc-js";
import type { LockDispatchRequest, LockOperation } from "./dispatcher.ts";
import { UnknownNameError } from "./errors.ts";
import type { LockLeases } from "./lock-leases.ts";
import { CONTEXT_METADATA, LEASE_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA, firstString, type ObjectServiceHost } from "./object-service.ts";
import { toStatus } from "./status-mapping.ts";

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
function targetObject(host: LockServiceHost, call: ServerUnaryCall<Request, Request>): string {
  const named = firstString(call.metadata, OBJECT_METADATA);
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
) {
  return (call: ServerUnaryCall<Request, Request>, callback: sendUnaryData<Request>) => {
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort());
    new Promise<boolean>((resolve) => {
      const deadline = call.getDeadline();
      const object = targetObject(host, call);
      const operation = operationOf(call.request);
      const leaseId = operation.kind === "lock" ? firstString(call.metadata, LEASE_METADATA) : undefined;
      if (leaseId !== undefined) host.leases.touch(leaseId, object);
      resolve(
        host.dispatchLock({
          object,
          operation,
          leaseId,
          deadline: deadline instanceof Date ? deadline.getTime() : deadline,
          signal: abort.signal,
          callerContext: firstString(call.metadata, CONTEXT_METADATA),
          lockToken: firstString(call.metadata, LOCK_TOKEN_METADATA),
        }),
      );
    }).then(
      (result) => callback(null, answer(result)),
      (error: unknown) => callback(toStatus(error)),
    );
  };
}

/** The handler table of `qmi.core.Lock`. */
export function lockServiceImplementation(host: LockServiceHost): UntypedServiceImplementation {
  return {
    Lock: handler(host, (r) => ({ kind: "lock", timeout: Number(r.timeout_seconds ?? 0) }), (granted) => ({ granted })),
    Unlock: handler(
      host,
      (r) => ({ kind: "unlock", contextName: (r.context_name as string | undefined) || undefined }),
      (released) => ({ released }),
    ),
    ForceUnlock: handler(host, () => ({ kind: "forceUnlock" }), (wasLocked) => ({ was_locked: wasLocked })),
    IsLocked: handler(host, () => ({ kind: "isLocked" }), (locked) => ({ locked })),
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
