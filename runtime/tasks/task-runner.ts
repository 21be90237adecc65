/**
 * The hosted object that runs a {@link Task}: QMI's `QMI_TaskRunner`. A context makes one per `makeTask()`;
 * scripts use it through a proxy (`start`, `stop`, `join`, settings and status).
 *
 * A custom runner adds its own `@rpcMethod`s and reaches the task through {@link TaskRunner.task}:
 *
 * ```ts
 * export class CustomTaskRunner extends TaskRunner<DemoTask> {
 *   /** Scale the amplitude the task sets. *\/
 *   @rpcMethod async setAmplitudeFactor(factor: number): Promise<void> { this.task.amplitudeFactor = factor; }
 * }
 * await qmi.makeTask("task", DemoTask, { taskRunner: CustomTaskRunner });
 * ```
 *
 * Calls to a runner go through the context's dispatcher like any other (locks, deadlines, errors); `join()` runs
 * outside the runner's call queue so that it never holds up other calls. A `join()` whose caller gave up (its
 * deadline passed) still waits for the task; at most {@link MAX_JOIN_WAITERS} wait per task, so that a client
 * asking again and again for months cannot pile them up: beyond that the oldest ends with a `ResourceExhaustedError`.
 *
 * @module
 */
import { rpcMethod, signal } from "../driver/decorators.ts";
import { type QmiError, ResourceExhaustedError, TaskInitError, TaskRunError, TaskStoppedError, UsageError } from "../protocol/errors.ts";
import type { ObjectKind } from "../host/object-registry.ts";
import { RpcObject, type RpcObjectInit } from "../driver/rpc-object.ts";
import { Signal } from "../driver/signal.ts";
import type { SettingsOf, StatusOf, Task, TaskInit, TaskLink } from "./task.ts";

/** A task class constructed with its init and the `makeTask` options. */
export type TaskClass<T extends Task<object, object>, O> = new (init: TaskInit, options: O) => T;

/** The most `join()` calls that may wait for one task; a new one beyond this ends the oldest. */
export const MAX_JOIN_WAITERS = 1024;

/** A `join()` waiting for the task's end. */
interface Joiner {
  readonly resolve: () => void;
  readonly reject: (error: QmiError) => void;
}

/** Runner methods served by the core `qmi.core.Task` service rather than by the task's generated service. */
export const CORE_TASK_METHODS: readonly string[] = ["start", "stop", "join", "isRunning", "getStatus"];

/** Runs one task in the background and serves its controls. */
export class TaskRunner<T extends Task<object, object> = Task<object, object>> extends RpcObject {
  /** Reported as `task` by `Describe`. */
  static readonly kind: ObjectKind = "task";

  // The `@rpcMethod` and `@signal` TSDoc tags survive into the .d.ts, which lacks decorators, for a lab's `qmi gen`.
  /**
   * Published by the task's `updateSettings()` with the settings it applied.
   *
   * @signal
   */
  @signal readonly settingsUpdated = new Signal<SettingsOf<T>>();
  /**
   * Published by the task's `publishStatus()`.
   *
   * @signal
   */
  @signal readonly statusUpdated = new Signal<StatusOf<T>>();

  readonly #task: T;
  readonly #stop = new AbortController();
  #pending: SettingsOf<T> | undefined;
  #started = false;
  #running = false;
  #done: Promise<void> | undefined;
  #failure: unknown;
  /** The `join()` calls waiting while the task runs, oldest first. */
  readonly #joiners = new Set<Joiner>();

  constructor(init: RpcObjectInit, taskClass: TaskClass<T, never>, options: unknown) {
    super(init);
    const link: TaskLink<SettingsOf<T>, StatusOf<T>> = {
      stopSignal: this.#stop.signal,
      takePendingSettings: () => {
        const pending = this.#pending;
        this.#pending = undefined;
        return pending;
      },
      settingsApplied: (settings) => this.settingsUpdated.publish(settings),
      statusPublished: (status) => this.statusUpdated.publish(status),
    };
    try {
      this.#task = new taskClass({ ...init, link: link as unknown as TaskLink<never, never> }, options as never);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TaskInitError(`Task ${init.contextName}.${init.name} (${taskClass.name}) failed to initialise: ${reason}`, {
        cause: error,
      });
    }
  }

  /** The task this runner runs (for custom runners' methods). */
  protected get task(): T {
    return this.#task;
  }

  /**
   * Start the task in the background. Fails when already started.
   *
   * @rpcMethod
   */
  @rpcMethod
  async start(): Promise<void> {
    if (this.#started) throw new UsageError(`Task ${this.contextName}.${this.name} was already started`);
    this.#started = true;
    if (this.#stop.signal.aborted) {
      this.#done = Promise.resolve();
      return;
    }
    this.#running = true;
    this.#done = (async () => {
      await Promise.resolve(); // start() answers before run() begins
      try {
        if (!this.#stop.signal.aborted) await this.#task.run();
      } catch (error) {
        if (!(error instanceof TaskStoppedError)) this.#failure = error;
      } finally {
        this.#running = false;
        for (const joiner of this.#joiners) joiner.resolve();
        this.#joiners.clear();
      }
    })();
  }

  /**
   * Ask the task to stop (its `sleep()` ends at once). Before `start()`, the task will never run.
   *
   * @rpcMethod
   */
  @rpcMethod
  async stop(): Promise<void> {
    this.#stop.abort();
  }

  /**
   * Wait until the task has ended; fails with a `TaskRunError` when it failed.
   *
   * @rpcMethod queued=false
   */
  @rpcMethod({ queued: false })
  async join(): Promise<void> {
    const done = this.#done;
    if (!done) throw new UsageError(`Task ${this.contextName}.${this.name} was not started; start() it first`);
    if (this.#running) await this.#waitForEnd();
    await done;
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      const reason = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
      if (failure instanceof TaskRunError) throw failure;
      throw new TaskRunError(`Task ${this.contextName}.${this.name} failed: ${reason}`, { cause: failure });
    }
  }

  /** Resolves when the task's run ends; ends the oldest waiter when more than {@link MAX_JOIN_WAITERS} wait. */
  #waitForEnd(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const joiners = this.#joiners;
      joiners.add({ resolve, reject });
      if (joiners.size <= MAX_JOIN_WAITERS) return;
      const oldest = joiners.values().next().value!;
      joiners.delete(oldest);
      oldest.reject(
        new ResourceExhaustedError(
          `More than ${MAX_JOIN_WAITERS} join() calls waited for task ${this.contextName}.${this.name}; the oldest was ended: call join() again`,
        ),
      );
    });
  }

  /**
   * True while the task's `run()` has not ended.
   *
   * @rpcMethod
   */
  @rpcMethod
  async isRunning(): Promise<boolean> {
    return this.#running;
  }

  /**
   * The task's active settings.
   *
   * @rpcMethod
   */
  @rpcMethod
  async getSettings(): Promise<SettingsOf<T>> {
    return this.#task.settings as SettingsOf<T>;
  }

  /**
   * Queue new settings; the task applies them at its next `updateSettings()`.
   *
   * @rpcMethod
   */
  @rpcMethod
  async setSettings(settings: SettingsOf<T>): Promise<void> {
    this.#pending = settings;
  }

  /**
   * The settings queued and not yet applied, if any.
   *
   * @rpcMethod
   */
  @rpcMethod
  async getPendingSettings(): Promise<SettingsOf<T> | undefined> {
    return this.#pending;
  }

  /**
   * The task's status.
   *
   * @rpcMethod
   */
  @rpcMethod
  async getStatus(): Promise<StatusOf<T>> {
    return this.#task.status as StatusOf<T>;
  }

  /** Stops the task and waits (the context bounds the wait) when the runner is removed or its context stops. */
  override async release(): Promise<void> {
    this.#stop.abort();
    await this.#done?.catch(() => undefined);
  }
}
