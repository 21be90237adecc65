/**
 * The proxy of a task runner: what `makeTask()` returns and what generated task proxies extend.
 *
 * ```ts
 * const task = await qmi.makeTask("task", DemoRpcControlTask, { taskRunner: CustomRpcControlTaskRunner });
 * await task.start();
 * for await (const settings of task.watchSettings()) console.log(settings.amplitude);
 * await task.stop(); await task.join();
 * // or: await qmi.withTask(task, async (task) => { ... });  starts, then stops and joins
 * ```
 *
 * In-process, every method is a call through the context's dispatcher; remotely `start`, `stop`, `join`,
 * `isRunning` and `getStatus` use the core `qmi.core.Task` service and the settings the task's generated service.
 *
 * @module
 */
import type { CallOptions } from "../protocol/call-options.ts";
import { RpcProxy, invoke } from "./proxy.ts";
import { SignalReceiver } from "../signals/signal-receiver.ts";
import type { Proxied } from "./proxy.ts";
import type { Task, SettingsOf, StatusOf } from "../tasks/task.ts";
import type { TaskRunner } from "../tasks/task-runner.ts";

/** Watch options. */
export interface WatchOptions {
  /** Stops the watch (the iteration ends). */
  readonly signal?: AbortSignal;
  /** Most updates kept while the reader is busy (older ones dropped); default 100. */
  readonly maxQueueLength?: number;
}

/** Base of task runner proxies: the controls every runner has. */
export class TaskRunnerProxy<S = unknown, St = unknown> extends RpcProxy {
  /** Start the task in the background (once). */
  start(options?: CallOptions): Promise<void> {
    return this[invoke]("start", [], options) as Promise<void>;
  }

  /** Ask the task to stop; before `start()`, `run()` never runs. */
  stop(options?: CallOptions): Promise<void> {
    return this[invoke]("stop", [], options) as Promise<void>;
  }

  /** Wait until the task has ended (default: no timeout); rethrows its failure as a `TaskRunError`. */
  join(options?: CallOptions): Promise<void> {
    return this[invoke]("join", [], { timeout: 2 ** 31 / 1000, ...options }) as Promise<void>;
  }

  /** True while the task runs. */
  isRunning(options?: CallOptions): Promise<boolean> {
    return this[invoke]("isRunning", [], options) as Promise<boolean>;
  }

  /** The active settings. */
  getSettings(options?: CallOptions): Promise<S> {
    return this[invoke]("getSettings", [], options) as Promise<S>;
  }

  /** Queue new settings, applied at the task's next `updateSettings()`. */
  setSettings(settings: S, options?: CallOptions): Promise<void> {
    return this[invoke]("setSettings", [settings], options) as Promise<void>;
  }

  /** Settings queued and not applied yet. */
  getPendingSettings(options?: CallOptions): Promise<S | undefined> {
    return this[invoke]("getPendingSettings", [], options) as Promise<S | undefined>;
  }

  /** The task's status. */
  getStatus(options?: CallOptions): Promise<St> {
    return this[invoke]("getStatus", [], options) as Promise<St>;
  }

  /** Every settings update the task applies from now on (a server stream when remote). */
  watchSettings(options: WatchOptions = {}): AsyncIterable<S> {
    return this.#watch<S>("settingsUpdated", options);
  }

  /** Every status the task publishes from now on (a server stream when remote). */
  watchStatus(options: WatchOptions = {}): AsyncIterable<St> {
    return this.#watch<St>("statusUpdated", options);
  }

  #watch<V>(signalName: string, options: WatchOptions): AsyncIterable<V> {
    const proxy = this;
    return {
      async *[Symbol.asyncIterator]() {
        const receiver = new SignalReceiver<V>({ maxQueueLength: options.maxQueueLength ?? 100 });
        const subscription = await proxy.subscribe(signalName, receiver);
        const onAbort = () => subscription.unsubscribe();
        options.signal?.addEventListener("abort", onAbort, { once: true });
        try {
          for await (const received of receiver) yield received.args;
          const error = await subscription.ended;
          if (error) throw error;
        } finally {
          options.signal?.removeEventListener("abort", onAbort);
          subscription.unsubscribe();
        }
      },
    };
  }
}

/** Methods every runner has, which the custom-method part of {@link TaskProxy} leaves out. */
type RunnerBaseMembers = keyof TaskRunner | "task";

/** The proxy `makeTask()` returns: the runner controls, typed by the task, plus a custom runner's methods. */
export type TaskProxy<T extends Task<object, object>, R = TaskRunner<T>> = TaskRunnerProxy<SettingsOf<T>, StatusOf<T>> &
  Omit<Proxied<R>, RunnerBaseMembers | keyof RpcProxy>;

/** What {@link withTask} needs of a task proxy. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  join(): Promise<void>;
}

/** Starts `task`, runs `body`, then always stops and joins it (QMI's `with make_task(...) as task`). */
export async function withTask<P extends Startable, R>(task: P, body: (task: P) => Promise<R>): Promise<R> {
  await task.start();
  let result: R;
  try {
    result = await body(task);
  } catch (error) {
    await task.stop();
    await task.join().catch(() => undefined);
    throw error;
  }
  await task.stop();
  await task.join();
  return result;
}
