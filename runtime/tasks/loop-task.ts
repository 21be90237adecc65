/**
 * Periodic tasks, QMI's `QMI_LoopTask`: {@link LoopTask.loopIteration} runs every `loopPeriod` seconds.
 *
 * ```ts
 * export class DemoLoopTask extends LoopTask {
 *   nsg!: Proxied<NoisySineGenerator>;
 *   protected override async loopPrepare() { this.nsg = await qmi.getInstrument("task_demo.nsg", NoisySineGenerator); }
 *   protected override async loopIteration() { ... }
 * }
 * await qmi.makeTask("task", DemoLoopTask, { loopPeriod: 0.01, policy: LoopPolicy.SKIP });
 * ```
 *
 * Each cycle: apply pending settings (then {@link LoopTask.loopNewSettings}), {@link LoopTask.loopIteration},
 * {@link LoopTask.loopStatus}, {@link LoopTask.loopSignals}; then wait for the next period boundary. When an
 * iteration ends after the next boundary (a missed period), the policy decides: `IMMEDIATE` runs the missed
 * iterations at once, one after the other; `SKIP` waits for the first boundary still in the future; `TERMINATE`
 * fails the task with a `TaskRunError`. {@link LoopTask.loopFinalize} always runs last.
 *
 * Timing: boundaries are `start + k·loopPeriod` on `performance.now()`, so errors do not accumulate; the wait
 * sleeps with `setTimeout` to about 3 ms before the boundary and then yields with `setImmediate` until it is
 * reached (other work still runs meanwhile). Pass a {@link LoopClock} (`clock` option) to control time in tests.
 *
 * @module
 */
import { BoundedTimer } from "../host/bounded-timer.ts";
import { TaskRunError, TaskStoppedError, UsageError } from "../protocol/errors.ts";
import { Task, type TaskInit } from "./task.ts";

/** What a loop does after a missed period. */
export const LoopPolicy = {
  /** Run the missed iterations at once. */
  IMMEDIATE: "IMMEDIATE",
  /** Skip to the next period boundary in the future. */
  SKIP: "SKIP",
  /** Stop the task with a `TaskRunError`. */
  TERMINATE: "TERMINATE",
} as const;
/** What a loop does after a missed period. */
export type LoopPolicy = (typeof LoopPolicy)[keyof typeof LoopPolicy];

/** The loop's time source; milliseconds on any monotonic scale. */
export interface LoopClock {
  now(): number;
  /** Resolves at `time` (or at once if past); rejects or resolves early when `signal` aborts. */
  sleepUntil(time: number, signal: AbortSignal): Promise<void>;
}

/** Options of a {@link LoopTask} (given to `makeTask`). */
export interface LoopTaskOptions {
  /** Seconds between iteration starts, > 0. */
  readonly loopPeriod: number;
  /** Default `IMMEDIATE`. */
  readonly policy?: LoopPolicy;
  /** Default {@link realClock}. */
  readonly clock?: LoopClock;
}

/** Milliseconds before a deadline when the wait switches from a timer to `setImmediate` turns. */
const SPIN_MS = 3;

/** `performance.now()` with a timer-then-`setImmediate` wait: sub-millisecond wake-ups. */
export const realClock: LoopClock = {
  now: () => performance.now(),
  sleepUntil(time, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let timer: BoundedTimer | undefined;
      const done = () => {
        timer?.cancel();
        signal.removeEventListener("abort", done);
        resolve();
      };
      const spin = () => {
        if (signal.aborted) return;
        if (performance.now() >= time) done();
        else setImmediate(spin);
      };
      signal.addEventListener("abort", done, { once: true });
      const coarse = time - performance.now() - SPIN_MS;
      // A BoundedTimer, not setTimeout: a period over 24.8 days (or Infinity) must not become a 1 ms timer and a spin.
      if (coarse > 0) timer = new BoundedTimer(spin, coarse);
      else spin();
    });
  },
};

/** Base class of periodic tasks. */
export abstract class LoopTask<
  S extends object = Record<string, never>,
  St extends object = Record<string, never>,
> extends Task<S, St> {
  /** Seconds between iteration starts. */
  readonly loopPeriod: number;
  /** The missed-period policy. */
  readonly policy: LoopPolicy;
  /** Iterations run so far (the one running counts). */
  loopCount = 0;
  readonly #clock: LoopClock;

  constructor(init: TaskInit, options: LoopTaskOptions) {
    super(init);
    if (!(options?.loopPeriod > 0)) {
      throw new UsageError(`${new.target.name} needs { loopPeriod: <seconds> } > 0, got ${options?.loopPeriod}`);
    }
    this.loopPeriod = options.loopPeriod;
    this.policy = options.policy ?? LoopPolicy.IMMEDIATE;
    if (!Object.values(LoopPolicy).includes(this.policy)) {
      throw new UsageError(`Unknown loop policy ${String(this.policy)}; use LoopPolicy.IMMEDIATE, SKIP or TERMINATE`);
    }
    this.#clock = options.clock ?? realClock;
  }

  /** Runs once before the first iteration. */
  protected async loopPrepare(): Promise<void> {}
  /** Runs after new settings were applied, before the iteration. */
  protected async loopNewSettings(): Promise<void> {}
  /** The periodic work. */
  protected abstract loopIteration(): Promise<void>;
  /** Runs after each iteration; default publishes {@link Task.status} when the task sets one. */
  protected async loopStatus(): Promise<void> {}
  /** Runs after the status hook; publish the task's own signals here. */
  protected async loopSignals(): Promise<void> {}
  /** Runs once at the end, also after a failure or a stop. */
  protected async loopFinalize(): Promise<void> {}

  /** The loop; subclasses override the hooks, not this. */
  override async run(): Promise<void> {
    const clock = this.#clock;
    const period = this.loopPeriod * 1000;
    try {
      await this.loopPrepare();
      let next = clock.now();
      while (!this.stopRequested()) {
        if (this.updateSettings()) await this.loopNewSettings();
        this.loopCount++;
        await this.loopIteration();
        await this.loopStatus();
        await this.loopSignals();
        next += period;
        const now = clock.now();
        if (now > next) {
          if (this.policy === LoopPolicy.TERMINATE) {
            throw new TaskRunError(
              `${this.name}: iteration ${this.loopCount} overran its period of ${this.loopPeriod} s ` +
                `by ${((now - next) / 1000).toFixed(6)} s (policy TERMINATE)`,
            );
          }
          if (this.policy === LoopPolicy.SKIP) next += Math.ceil((now - next) / period) * period;
          if (next < now) continue; // IMMEDIATE: the missed iteration runs now
        }
        await clock.sleepUntil(next, this.stopSignal);
      }
    } catch (error) {
      if (!(error instanceof TaskStoppedError)) throw error;
    } finally {
      await this.loopFinalize();
    }
  }
}
