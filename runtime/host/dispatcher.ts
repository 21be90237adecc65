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
import type { CallRecord } from "../protocol/call-record.ts";
import { checkRequest } from "../protocol/codec.ts";
import { DispatchedCall, QueuedCall } from "./dispatched-call.ts";
import { InvalidArgumentError, QmiError, UnknownNameError } from "../protocol/errors.ts";
import { lockWaitMs, type LockHolder, type WaiterBudget } from "./object-lock.ts";
import type { HostedMethod, HostedObject, ObjectRegistry } from "./object-registry.ts";
import { getLogger } from "../logging/log.ts";

const log = getLogger("qmi.core.rpc");

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `throw of ${String(error)}`;
}

/** One call to dispatch. */
export interface DispatchRequest extends CallRecord {
  readonly object: string;
  readonly method: string;
  readonly args: readonly unknown[];
  /** True when the arguments come from an in-process caller and still need checking against the descriptor. */
  readonly validateArgs: boolean;
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
export interface LockDispatchRequest extends CallRecord {
  readonly object: string;
  readonly operation: LockOperation;
  /** The lease a `lock` is tied to (`qmi-lease`), already checked to exist. */
  readonly leaseId?: string;
  /** Bounds the caller's waiting `lock`s beyond the object's own bound (e.g. per client connection). */
  readonly waiters?: WaiterBudget;
}

function holderOf(request: { callerContext?: string; lockToken?: string }): LockHolder | undefined {
  return request.lockToken ? { context: request.callerContext ?? "", lockToken: request.lockToken } : undefined;
}

/** The RPC method `method` of `hosted`, or an {@link UnknownNameError} listing the ones it has. */
export function hostedMethod(hosted: HostedObject, method: string, address: string): HostedMethod {
  const found = hosted.methods.get(method);
  if (found) return found;
  throw new UnknownNameError(
    `${address} has no RPC method ${method} (methods: ${hosted.metadata.methods.join(", ") || "none"})`,
  );
}

/**
 * Dispatches one call to a hosted object of `registry`; always rejects with a {@link QmiError}. The call runs in
 * the object's queue (unless its method is marked to run outside it) as a {@link DispatchedCall}.
 */
export function dispatch(registry: ObjectRegistry, contextName: string, request: DispatchRequest): Promise<unknown> {
  const hosted = registry.get(request.object);
  const method = hosted?.methods.get(request.method);
  // Unknown names and in-process arguments are checked apart, so that the common call stays a few lookups.
  if (method === undefined || (request.validateArgs && method.descriptor && (request.args.length > 0 || method.descriptor.params.length > 0))) {
    const refusal = refusalOf(registry, contextName, request);
    if (refusal) return Promise.reject(refusal);
  }
  return new Promise<unknown>((resolve, reject) =>
    new DispatchedCall(hosted!, method!, request, contextName, resolve, reject).submit(method!.outsideQueue ? undefined : hosted!.queue),
  );
}

/** Why `request` cannot be dispatched (an unknown object or method, bad in-process arguments), or undefined. */
function refusalOf(registry: ObjectRegistry, contextName: string, request: DispatchRequest): QmiError | undefined {
  try {
    const hosted = registry.getOrThrow(request.object);
    const method = hostedMethod(hosted, request.method, `${contextName}.${request.object}`);
    if (request.validateArgs && method.descriptor) checkRequest(hosted.descriptor!, method.descriptor, request.args);
    return undefined;
  } catch (error) {
    if (!(error instanceof QmiError)) {
      log.warning(`${contextName}.${request.object}.${request.method}() failed with an unexpected ${describeThrown(error)}`);
    }
    return QmiError.from(error);
  }
}

/** One step of a lock operation, run at its turn in the object's queue. */
class LockStep<T> extends QueuedCall {
  constructor(
    readonly what: string,
    request: LockDispatchRequest,
    private readonly step: () => T,
    resolve: (value: T) => void,
    reject: (error: QmiError) => void,
  ) {
    super(request, resolve as (value: unknown) => void, reject);
  }

  protected run(): T {
    return this.step();
  }
}

/** Runs `step` at its turn in the queue of `hosted`, as a {@link LockStep}. */
function inQueue<T>(hosted: HostedObject, what: string, request: LockDispatchRequest, step: () => T): Promise<T> {
  // A module function rather than a closure made per operation: under tsx, a named closure costs an
  // Object.defineProperty (its name) each time it is made, measured at 6 % of a lock operation's server time.
  return new Promise<T>((resolve, reject) => new LockStep(what, request, step, resolve, reject).submit(hosted.queue));
}

/**
 * Dispatches a lock operation through the object's queue, so it applies in order with the calls. A `lock` that
 * finds another holder sleeps until a release and tries again, until its timeout (at most `MAX_LOCK_TIMEOUT`) or
 * the call's deadline runs out.
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
    switch (operation.kind) {
      case "isLocked":
        return await inQueue(hosted, what, request, () => hosted.lock.isLocked);
      case "forceUnlock": {
        const wasLocked = await inQueue(hosted, what, request, () => hosted.lock.forceUnlock());
        if (wasLocked) log.warning(`${address} forcefully unlocked (requested by ${request.callerContext || "an unnamed client"})`);
        return wasLocked;
      }
      case "unlock": {
        const caller = holderOf({ ...request, callerContext: operation.contextName || request.callerContext });
        if (!caller) throw new InvalidArgumentError(`Unlocking ${address} needs a lock token (qmi-lock-token metadata)`);
        const released = await inQueue(hosted, what, request, () => hosted.lock.unlock(caller));
        if (!released) {
          log.warning(`Unlock request for ${address} from ${caller.context || "an unnamed client"} failed: not locked with that context and token`);
        }
        return released;
      }
      case "lock": {
        const caller = holderOf(request);
        if (!caller) throw new InvalidArgumentError(`Locking ${address} needs a lock token (qmi-lock-token metadata)`);
        const until = Math.min(Date.now() + lockWaitMs(operation.timeout), request.deadline);
        for (;;) {
          const releases = hosted.lock.releases; // a release after this wakes the wait below at once
          if (await inQueue(hosted, what, request, () => hosted.lock.tryLock(caller, request.leaseId))) return true;
          if (Date.now() >= until) return false;
          await hosted.lock.waitForRelease(releases, until - Date.now(), request.signal, request.waiters);
          if (Date.now() >= until) return false; // a release wakes the wait before this: only time ran out
        }
      }
    }
  } catch (error) {
    throw QmiError.from(error);
  }
}
