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
import { CancelledError, DeadlineError, QmiError, UnknownNameError } from "./errors.ts";
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
    const run = hosted.queue.run(async () => {
      if (Date.now() >= request.deadline) throw new DeadlineError(`${what} expired while queued`);
      if (request.signal?.aborted) throw new CancelledError(`${what} was cancelled while queued`);
      return invoke(hosted, request);
    });
    return await raceDeadline(run, request.deadline, what, request.signal);
  } catch (error) {
    if (!(error instanceof QmiError)) log.warning(`${what} failed with an unexpected ${describeThrown(error)}`);
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
