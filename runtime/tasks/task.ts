/**
 * Background tasks, QMI's `QMI_Task`: a class with an async {@link Task.run} that a context runs in the
 * background while the script does other things.
 *
 * ```ts
 * export class DemoTask extends Task {
 *   async run(): Promise<void> {
 *     const nsg = await qmi.getInstrument("task_demo.nsg", NoisySineGenerator);
 *     for (;;) {
 *       const sample = await nsg.getSample();
 *       ...
 *       await this.sleep(0.1); // throws TaskStoppedError at once when the task is asked to stop
 *     }
 *   }
 * }
 * const task = await qmi.makeTask("task", DemoTask);
 * await task.start(); ... await task.stop(); await task.join();
 * ```
 *
 * Settings: {@link Task.settings} are the active settings; remote or local `setSettings()` only queue new ones,
 * which the task applies when it calls {@link Task.updateSettings} (which also publishes them to
 * `watchSettings()`). Status: the task writes {@link Task.status} and calls {@link Task.publishStatus}.
 *
 * Concurrency: `run()` runs on the event loop like everything else; it must await (a call, `sleep()`) to let the
 * runner's RPCs and other work proceed. Stopping is cooperative: `stopRequested()` and {@link Task.stopSignal}.
 *
 * @module
 */
import { BoundedTimer } from "../host/bounded-timer.ts";
import { TaskStoppedError } from "../protocol/errors.ts";

/** The runner's side of a task, handed to the task's constructor. @internal */
export interface TaskLink<S, St> {
  /** Aborted when the task is asked to stop. */
  readonly stopSignal: AbortSignal;
  /** Takes the pending settings, if any. */
  takePendingSettings(): S | undefined;
  /** Announces applied settings (`watchSettings`). */
  settingsApplied(settings: S): void;
  /** Announces a status (`watchStatus`). */
  statusPublished(status: St): void;
}

/** What a task's constructor receives first. */
export interface TaskInit {
  /** The task's (and its runner's) name in its context. */
  readonly name: string;
  /** The hosting context's name. */
  readonly contextName: string;
  /** @internal */
  readonly link: TaskLink<never, never>;
}

/** Base class of background tasks; `S` is the settings type, `St` the status type (plain data). */
export abstract class Task<S extends object = Record<string, never>, St extends object = Record<string, never>> {
  /** The task's name in its context. */
  readonly name: string;
  /** The hosting context's name. */
  readonly contextName: string;
  /** The active settings; replaced by {@link updateSettings}. */
  settings: S = {} as S;
  /** The task's status, as reported by `getStatus()`. */
  status: St = {} as St;
  readonly #link: TaskLink<S, St>;

  constructor(init: TaskInit) {
    this.name = init.name;
    this.contextName = init.contextName;
    this.#link = init.link as unknown as TaskLink<S, St>;
  }

  /** The task's work. Return (or throw `TaskStoppedError`) to end; any other throw fails the task. */
  abstract run(): Promise<void>;

  /** Aborted when the task is asked to stop; pass it to anything that accepts an `AbortSignal`. */
  get stopSignal(): AbortSignal {
    return this.#link.stopSignal;
  }

  /** True once the task has been asked to stop. */
  stopRequested(): boolean {
    return this.#link.stopSignal.aborted;
  }

  /**
   * Waits `seconds` (`Infinity`: until asked to stop; negative or NaN: not at all); ends at once when the task is
   * asked to stop, throwing {@link TaskStoppedError} so that `run()` ends (the runner treats that as a normal stop).
   */
  sleep(seconds: number): Promise<void> {
    const signal = this.#link.stopSignal;
    return new Promise((resolve, reject) => {
      const stopped = () => reject(new TaskStoppedError(`Task ${this.name} was asked to stop`));
      if (signal.aborted) return stopped();
      const onAbort = () => {
        timer.cancel();
        stopped();
      };
      // Not setTimeout: it would turn a sleep over 24.8 days (or Infinity) into 1 ms, and a loop around it into a spin.
      const timer = new BoundedTimer(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, seconds * 1000);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Applies the latest pending settings, if any, and publishes them to `watchSettings()` watchers. Returns true
   * when the settings changed.
   */
  updateSettings(): boolean {
    const pending = this.#link.takePendingSettings();
    if (pending === undefined) return false;
    this.settings = pending;
    this.#link.settingsApplied(pending);
    return true;
  }

  /** Sets the status (when given) and publishes it to `watchStatus()` watchers. */
  publishStatus(status?: St): void {
    if (status !== undefined) this.status = status;
    this.#link.statusPublished(this.status);
  }
}

/** The settings type of a task class. */
export type SettingsOf<T> = T extends Task<infer S, object> ? S : never;
/** The status type of a task class. */
export type StatusOf<T> = T extends Task<object, infer St> ? St : never;
