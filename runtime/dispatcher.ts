/**
 * The one dispatch function every call goes through, in-process or remote: the same lookup, checks, ordering,
 * deadlines and errors whatever the transport.
 *
 * Calls to one object run one at a time in arrival order. A call whose deadline passes or whose caller cancels
 * while it waits in the queue is skipped; one that is already running is not interrupted, but its caller gets a
 * `DeadlineError` / `CancelledError` at once.
 *
 * @module
 */
import { encodeRequest } from "./codec.ts";
import { DispatchedCall } from "./dispatched-call.ts";
import { CancelledError, DeadlineError, InvalidArgumentError, QmiError, UnknownNameError } from "./errors.ts";
import type { LockHolder } from "./object-lock.ts";
import type { HostedObject, ObjectRegistry } from "./object-registry.ts";
import { raceDeadline } from "./deadline.ts";
import { getLogger } from "./log.ts";
import type { MethodDescriptor, ServiceDescriptor } from "./service-descriptor.ts";

const log = getLogger("qmi.core.rpc");

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `throw of ${String(error)}`;
}

/** One call to dispatch. */
export interface DispatchRequest {
  readonly object: string;
  readonly method: string;
  readonly args: readonly unknown[];
  /** Absolute deadline, ms since the epoch (`Infinity` for none). */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** True when the arguments come from an in-process caller and still need checking against the descriptor. */
  readonly validateArgs: boolean;
  /** The calling context's name, when known (from `qmi-context`). */
  readonly callerContext?: string;
  /** The caller's lock token (`qmi-lock-token`), if any. */
  readonly lockToken?: string;
}

/** A lock operation on a hosted object (the `qmi.core.Lock` service and the proxies' lock methods). */
export type LockOperation =
  | {
      readonly kind: "lock";
      /** Seconds to keep trying. */
      readonly timeout: number;
      /** Tie the lock to the caller's lease, so it ends when the caller's connection does. */
      readonly lease?: boolean;
    }
  | { readonly kind: "unlock"; /** Holder's context, when not the caller's. */ readonly contextName?: string }
  | { readonly kind: "forceUnlock" }
  | { readonly kind: "isLocked" };

/** One lock operation to dispatch. */
export interface LockDispatchRequest {
  readonly object: string;
  readonly operation: LockOperation;
  /** Absolute deadline, ms since the epoch (`Infinity` for none). */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly callerContext?: string;
  readonly lockToken?: string;
  /** The lease a `lock` is tied to (`qmi-lease`), already checked to exist. */
  readonly leaseId?: string;
}

export { LOCKED_MESSAGE } from "./dispatched-call.ts";

function holderOf(request: { callerContext?: string; lockToken?: string }): LockHolder | undefined {
  return request.lockToken ? { context: request.callerContext ?? "", token: request.lockToken } : undefined;
}

/** The RPC methods `hosted` offers, or an {@link UnknownNameError} for `method`. */
export function checkMethod(hosted: HostedObject, method: string, address: string): void {
  if (!hosted.metadata.methods.includes(method)) {
    throw new UnknownNameError(
      `${address} has no RPC method ${method} (methods: ${hosted.metadata.methods.join(", ") || "none"})`,
    );
  }
}

/** Methods of a descriptor by name, built once per descriptor. */
const methodMaps = new WeakMap<ServiceDescriptor, Map<string, MethodDescriptor>>();

function methodOf(descriptor: ServiceDescriptor, name: string): MethodDescriptor | undefined {
  let methods = methodMaps.get(descriptor);
  if (!methods) {
    methods = new Map(descriptor.methods.map((m) => [m.name, m]));
    methodMaps.set(descriptor, methods);
  }
  return methods.get(name);
}

/**
 * Dispatches one call to a hosted object of `registry`; always rejects with a {@link QmiError}. The call runs in
 * the object's queue (unless its method is marked to run outside it) as a {@link DispatchedCall}.
 */
export function dispatch(registry: ObjectRegistry, contextName: string, request: DispatchRequest): Promise<unknown> {
  let hosted: HostedObject;
  try {
    hosted = registry.getOrThrow(request.object);
    checkMethod(hosted, request.method, `${contextName}.${request.object}`);
    const descriptor = hosted.descriptor;
    if (request.validateArgs && descriptor) {
      const method = methodOf(descriptor, request.method);
      if (method) encodeRequest(descriptor, method, request.args);
    }
  } catch (error) {
    if (!(error instanceof QmiError)) {
      log.warning(`${contextName}.${request.object}.${request.method}() failed with an unexpected ${describeThrown(error)}`);
    }
    return Promise.reject(QmiError.from(error));
  }
  const outsideQueue = hosted.metadata.methodsOutsideQueue.has(request.method);
  return new Promise<unknown>((resolve, reject) => {
    const call = new DispatchedCall(hosted, request, contextName, resolve, reject);
    if (outsideQueue) call.start(undefined);
    else hosted.queue.enqueue(call);
  });
}

function checkStillWanted(request: { deadline: number; signal?: AbortSignal }, what: string): void {
  if (Date.now() >= request.deadline) throw new DeadlineError(`${what} expired while queued`);
  if (request.signal?.aborted) throw new CancelledError(`${what} was cancelled while queued`);
}

/**
 * Dispatches a lock operation through the object's queue, so it applies in order with the calls. A `lock` that
 * finds another holder retries at each release until its timeout (or the call's deadline) runs out.
 */
export async function dispatchLock(
  registry: ObjectRegistry,
  contextName: string,
  request: LockDispatchRequest,
): Promise<boolean> {
  const address = `${contextName}.${request.object}`;
  const { operation } = request;
  const what = `${address}.${operation.kind}()`;
  try {
    const hosted = registry.getOrThrow(request.object);
    const inQueue = <T>(job: () => T) =>
      raceDeadline(
        hosted.queue.run(async () => {
          checkStillWanted(request, what);
          return job();
        }),
        request.deadline,
        what,
        request.signal,
      );
    switch (operation.kind) {
      case "isLocked":
        return await inQueue(() => hosted.lock.isLocked);
      case "forceUnlock": {
        const wasLocked = await inQueue(() => hosted.lock.forceUnlock());
        if (wasLocked) log.warning(`${address} forcefully unlocked (requested by ${request.callerContext || "an unnamed client"})`);
        return wasLocked;
      }
      case "unlock": {
        const caller = holderOf({ ...request, callerContext: operation.contextName || request.callerContext });
        if (!caller) throw new InvalidArgumentError(`Unlocking ${address} needs a lock token (qmi-lock-token metadata)`);
        const released = await inQueue(() => hosted.lock.unlock(caller));
        if (!released) {
          log.warning(`Unlock request for ${address} from ${caller.context || "an unnamed client"} failed: not locked with that context and token`);
        }
        return released;
      }
      case "lock": {
        const caller = holderOf(request);
        if (!caller) throw new InvalidArgumentError(`Locking ${address} needs a lock token (qmi-lock-token metadata)`);
        if (!(operation.timeout >= 0)) throw new InvalidArgumentError(`Lock timeout must be >= 0 seconds, got ${operation.timeout}`);
        const until = Math.min(Date.now() + operation.timeout * 1000, request.deadline);
        for (;;) {
          if (await inQueue(() => hosted.lock.tryLock(caller, request.leaseId))) return true;
          if (Date.now() >= until) return false;
          await hosted.lock.waitForRelease(until - Date.now());
        }
      }
    }
  } catch (error) {
    throw QmiError.from(error);
  }
}
