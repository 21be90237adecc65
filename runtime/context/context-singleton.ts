/**
 * The process-wide context, as in the tutorial:
 *
 * ```ts
 * import * as qmi from "qmi-ts";
 * import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
 *
 * await qmi.start("nsg_demo", { config: null });
 * const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
 * await nsg.open();
 * console.log(await nsg.getSample());
 * await nsg.close();
 * await qmi.stop();
 * ```
 *
 * A process has at most one such context at a time; {@link startStop} and {@link openClose} make sure the
 * matching `stop()` / `close()` happen even when the body fails.
 *
 * @module
 */
import { Context, type ContextOptions, type GetInstrumentOptions, type HostableClass } from "./context.ts";
import { UsageError } from "../protocol/errors.ts";
import type { Proxied, ProxyClass, RpcProxy, UntypedProxy } from "../client/proxy.ts";
import type { RpcObject } from "../driver/rpc-object.ts";
import type { MakeTaskOptions } from "../tasks/make-task-options.ts";
import type { Task } from "../tasks/task.ts";
import type { TaskClass, TaskRunner } from "../tasks/task-runner.ts";
import type { TaskProxy } from "../client/task-runner-proxy.ts";
import { handleShutdownSignals } from "./shutdown-signals.ts";

let current: Context | undefined;
let starting: Promise<Context> | undefined;
let removeSignalHandlers: (() => void) | undefined;
/** The stop under way, if any: a SIGINT or SIGTERM meanwhile waits for it instead of stopping again. */
let stopping: Promise<void> | undefined;

/**
 * Starts the process-wide context `name`. Fails if one is already running. Until {@link stop}, SIGINT and
 * SIGTERM stop it in order and end the process, unless the program handles them (see `shutdown-signals.ts`).
 */
export async function start(name: string, options: ContextOptions = {}): Promise<Context> {
  if (current || starting) throw new UsageError(`A context is already running (${current?.name ?? name}); stop() it first`);
  starting = Context.start(name, options);
  try {
    current = await starting;
    removeSignalHandlers = handleShutdownSignals(current, () => stopping ?? stop());
    return current;
  } finally {
    starting = undefined;
  }
}

/** Stops the process-wide context. Fails if none is running. */
export async function stop(): Promise<void> {
  const running = current;
  if (!running) throw new UsageError("No context is running; call start() first");
  current = undefined;
  const removeHandlers = removeSignalHandlers;
  removeSignalHandlers = undefined;
  stopping = running.stop().finally(() => {
    stopping = undefined;
    removeHandlers?.();
  });
  await stopping;
}

/** The process-wide context. Fails if none is running. */
export function context(): Context {
  if (!current) throw new UsageError("No context is running; call start() first");
  return current;
}

/** True while a process-wide context is running. */
export function isRunning(): boolean {
  return current !== undefined;
}

/** Hosts an instrument in the process-wide context; see {@link Context.makeInstrument}. */
export function makeInstrument<T extends RpcObject, A extends unknown[]>(
  name: string,
  cls: HostableClass<T, A>,
  ...args: A
): Promise<Proxied<T>> {
  return context().makeInstrument(name, cls, ...args);
}

/** Hosts a background task in the process-wide context; see {@link Context.makeTask}. */
export function makeTask<T extends Task<object, object>, O = undefined, R extends TaskRunner<T> = TaskRunner<T>>(
  name: string,
  taskClass: TaskClass<T, O>,
  options?: MakeTaskOptions<T, O, R>,
): Promise<TaskProxy<T, R>> {
  return context().makeTask(name, taskClass, options);
}

/** A proxy to `"<context>.<object>"`; see {@link Context.getInstrument}. */
export function getInstrument<P extends RpcProxy>(
  address: string,
  proxyClass: ProxyClass<P>,
  options?: GetInstrumentOptions,
): Promise<P>;
export function getInstrument<T extends RpcObject>(
  address: string,
  cls: abstract new (...args: never[]) => T,
  options?: GetInstrumentOptions,
): Promise<Proxied<T>>;
export function getInstrument(address: string, options?: GetInstrumentOptions): Promise<UntypedProxy>;
export function getInstrument(address: string, ...rest: unknown[]): Promise<RpcProxy> {
  return (context().getInstrument as (address: string, ...rest: unknown[]) => Promise<RpcProxy>)(address, ...rest);
}

/**
 * Runs `body` inside a started process-wide context and always stops it afterwards (QMI's `start_stop`).
 * Resolves with what `body` returns.
 */
export async function startStop<R>(
  name: string,
  body: (context: Context) => Promise<R>,
  options: ContextOptions = {},
): Promise<R> {
  const started = await start(name, options);
  try {
    return await body(started);
  } finally {
    await stop();
  }
}

/** Something that opens and closes, such as an instrument proxy. */
export interface Openable {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Opens `instrument`, runs `body` with it and always closes it afterwards. Resolves with what `body` returns. */
export async function openClose<I extends Openable, R>(instrument: I, body: (instrument: I) => Promise<R>): Promise<R> {
  await instrument.open();
  try {
    return await body(instrument);
  } finally {
    await instrument.close();
  }
}
