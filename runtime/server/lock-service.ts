/**
 * gRPC handlers of the core `qmi.core.Lock` service.
 *
 * A `Lock` call's `timeout_seconds` must be 0 to `MAX_LOCK_TIMEOUT` (one day; NaN, Infinity and longer waits are
 * `INVALID_ARGUMENT`), so a call without a gRPC deadline still answers within a day. While it waits it counts
 * against its object's bound and its connection's ({@link ConnectionWaiters}): the excess is `RESOURCE_EXHAUSTED`.
 *
 * @module
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import { ConnectionWaiters } from "./connection-waiters.ts";
import type { LockDispatchRequest, LockOperation } from "../host/dispatcher.ts";
import type { CallHandler, IncomingCall } from "./incoming-call.ts";
import type { ServedService } from "./served-service.ts";
import { LOCK_PROTO, LOCK_SERVICE } from "../protocol/core-services.ts";
import type { LockLeases } from "../host/lock-leases.ts";
import { lockWaitMs } from "../host/object-lock.ts";
import { ANY_OBJECT, resolveObject, type ObjectServiceHost } from "./object-address.ts";
import { CONTEXT_METADATA, firstString } from "../protocol/metadata-keys.ts";

/** What the lock handlers need from their context. */
export interface LockServiceHost extends ObjectServiceHost {
  dispatchLock(request: LockDispatchRequest): Promise<boolean>;
  readonly leases: LockLeases;
}

type Request = Record<string, unknown>;

/** The waiting `Lock` calls of each context, by connection: shared by the unary and channel handlers of a host. */
const waitersOf = new WeakMap<LockServiceHost, ConnectionWaiters>();

/** The waiting `Lock` calls of `host`'s clients. */
function connectionWaiters(host: LockServiceHost): ConnectionWaiters {
  let waiters = waitersOf.get(host);
  if (!waiters) waitersOf.set(host, (waiters = new ConnectionWaiters()));
  return waiters;
}

/**
 * The connection a call came on: the client's `address:port`, or, when the transport does not say, the caller's
 * context (a qmi-ts peer sends all its calls on one connection).
 */
function connectionOf(call: IncomingCall): string {
  return call.via?.getPeer() ?? `qmi-context ${call.callerContext ?? ""}`;
}

/** The `Lock` operation of a request, its `timeout_seconds` checked. */
function lockOperationOf(request: Request): LockOperation {
  const timeout = Number(request.timeout_seconds ?? 0);
  lockWaitMs(timeout, "timeout_seconds");
  return { kind: "lock", timeout };
}


function handler(
  host: LockServiceHost,
  operationOf: (request: Request) => LockOperation,
  answer: (result: boolean) => Request,
): CallHandler {
  return async (call: IncomingCall): Promise<Request> => {
    const object = resolveObject(host, call.object, ANY_OBJECT);
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
        waiters: operation.kind === "lock" && operation.timeout > 0 ? connectionWaiters(host).budget(connectionOf(call)) : undefined,
      }),
    );
  };
}

/** The call handlers of `qmi.core.Lock`'s unary RPCs, keyed by RPC name. */
function lockCallHandlers(host: LockServiceHost): Record<string, CallHandler> {
  return {
    Lock: handler(host, lockOperationOf, (granted) => ({ granted })),
    Unlock: handler(
      host,
      (r) => ({ kind: "unlock", contextName: (r.context_name as string | undefined) || undefined }),
      (released) => ({ released }),
    ),
    ForceUnlock: handler(host, () => ({ kind: "forceUnlock" }), (wasLocked) => ({ was_locked: wasLocked })),
    IsLocked: handler(host, () => ({ kind: "isLocked" }), (locked) => ({ locked })),
  };
}

/** `qmi.core.Lock`: its lock operations (on the call channel too) and the `Lease` stream. */
export function lockService(host: LockServiceHost): ServedService {
  return {
    protoFile: LOCK_PROTO,
    service: LOCK_SERVICE,
    calls: lockCallHandlers(host),
    streams: {
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
    },
  };
}
