/**
 * LoopTask: each missed-period policy with a controllable clock, checking exactly which iterations ran and when
 * (virtual milliseconds; no real-time assertion), and the hooks' order.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, LoopPolicy, LoopTask, TaskRunError, type LoopClock, type TaskInit } from "qmi-ts";

/** Virtual time: `sleepUntil` jumps ahead; past `limit` it calls `onLimit` and waits for the stop. */
class FakeClock implements LoopClock {
  time = 0;
  constructor(private readonly limit: number, private readonly onLimit: () => void) {}
  now(): number {
    return this.time;
  }
  sleepUntil(time: number, signal: AbortSignal): Promise<void> {
    if (time >= this.limit) {
      this.onLimit();
      return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
    }
    this.time = Math.max(this.time, time);
    return Promise.resolve();
  }
}

interface Options {
  loopPeriod: number;
  policy: LoopPolicy;
  clock: LoopClock;
  /** Virtual ms each iteration takes, by iteration number (default 1). */
  durations: Record<number, number>;
  log: string[];
}

class ScriptedLoop extends LoopTask {
  readonly #options: Options;
  constructor(init: TaskInit, options: Options) {
    super(init, options);
    this.#options = options;
  }
  protected override async loopPrepare() {
    this.#options.log.push("prepare");
  }
  protected override async loopIteration() {
    const clock = this.#options.clock as FakeClock;
    this.#options.log.push(`it${this.loopCount}@${clock.time}`);
    clock.time += this.#options.durations[this.loopCount] ?? 1;
  }
  protected override async loopFinalize() {
    this.#options.log.push("finalize");
  }
}

async function runLoop(policy: LoopPolicy, durations: Record<number, number>, limit = 70): Promise<{ log: string[]; error?: unknown }> {
  const context = await Context.start(`loop_${policy.toLowerCase()}`, { config: null });
  try {
    const log: string[] = [];
    let stop: () => void = () => undefined;
    const clock = new FakeClock(limit, () => stop());
    const task = await context.makeTask("loop", ScriptedLoop, { loopPeriod: 0.01, policy, clock, durations, log });
    stop = () => void task.stop();
    await task.start();
    try {
      await task.join({ timeout: 10 });
      return { log };
    } catch (error) {
      return { log, error };
    }
  } finally {
    await context.stop();
  }
}

describe("LoopTask", () => {
  it("IMMEDIATE runs the missed iterations at once", async () => {
    const { log, error } = await runLoop(LoopPolicy.IMMEDIATE, { 3: 25 });
    assert.equal(error, undefined);
    assert.deepEqual(log, ["prepare", "it1@0", "it2@10", "it3@20", "it4@45", "it5@46", "it6@50", "it7@60", "finalize"]);
  });

  it("SKIP waits for the next period boundary in the future", async () => {
    const { log, error } = await runLoop(LoopPolicy.SKIP, { 3: 25 });
    assert.equal(error, undefined);
    assert.deepEqual(log, ["prepare", "it1@0", "it2@10", "it3@20", "it4@50", "it5@60", "finalize"]);
  });

  it("TERMINATE fails the task on the first missed period, after finalize", async () => {
    const { log, error } = await runLoop(LoopPolicy.TERMINATE, { 3: 25 });
    assert.deepEqual(log, ["prepare", "it1@0", "it2@10", "it3@20", "finalize"]);
    assert.ok(error instanceof TaskRunError, String(error));
    assert.match(error.message, /iteration 3 overran its period/);
  });

  it("an iteration ending exactly on the boundary is not a missed period", async () => {
    const { log } = await runLoop(LoopPolicy.TERMINATE, { 2: 10 }, 40);
    assert.deepEqual(log, ["prepare", "it1@0", "it2@10", "it3@20", "it4@30", "finalize"]);
  });

  it("rejects a missing loop period with a task-init error", async () => {
    const context = await Context.start("loop_bad", { config: null });
    try {
      await assert.rejects(context.makeTask("loop", ScriptedLoop, { loopPeriod: 0 } as unknown as Options), /TaskInitError|loopPeriod/);
    } finally {
      await context.stop();
    }
  });
});
