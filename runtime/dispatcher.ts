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
import { CancelledError, DeadlineError, InvalidArgumentError, LockedError, QmiError, UnknownNameError } from "./errors.ts";
import type { LockHolder } from "./object-lock.ts";
import { Instrument } from "./instrument.ts";
import type { HostedObject, ObjectRegistry } from "./object-registry.ts";
import { raceDeadline } from "./deadline.ts";
import { getLogger } from "./log.ts";

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

/** The error of a call refused because another proxy holds the lock. */
export const LOCKED_MESSAGE = "The object is locked by another proxy";

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

/** Dispatches one call to a hosted object of `registry`; always rejects with a {@link QmiError}. */
export async function dispatch(registry: ObjectRegistry, contextName: string, request: DispatchRequest): Promise<unknown> {
  const address = `${contextName}.${request.object}`;
  const what = `${address}.${request.method}()`;
  try {
    const hosted = registry.getOrThrow(request.object);
    checkMethod(hosted, request.method, address);
    const method = hosted.descriptor?.methods.find((m) => m.name === request.method);
    if (request.validateArgs && hosted.descriptor && method) encodeRequest(hosted.descriptor, method, request.args);
    const job = async () => {
      checkStillWanted(request, what);
      if (!hosted.lock.permits(holderOf(request))) throw new LockedError(LOCKED_MESSAGE);
      return invoke(hosted, request);
    };
    const run = hosted.metadata.methodsOutsideQueue.has(request.method) ? job() : hosted.queue.run(job);
    return await raceDeadline(run, request.deadline, what, request.signal);
  } catch (error) {
    if (!(error instanceof QmiError)) log.warning(`${what} failed with an unexpected ${describeThrown(error)}`);
    throw QmiError.from(error);
  }
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

async function invoke(hosted: HostedObject, request: DispatchRequest): Promise<unknown> {
  const { instance, metadata } = hosted;
  if (instance instanceof Instrument && !metadata.methodsAllowedWhenClosed.has(request.method)) {
    instance.checkIsOpen();
  }
  const fn = (instance as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method]!;
  return await fn.apply(instance, request.args as unknown[]);
}
