/**
 * Benchmark 7: LoopTask period accuracy. Runs an empty loop task at `period` ms for `seconds` and reports the
 * distribution of |actual start - scheduled start| per iteration. Design goal: p99 <= 0.5 ms at 10 ms.
 *
 * Part of `npm run bench`; alone: npx tsx bench/loop-period.ts [periodMs=10] [seconds=5]
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Context, LoopTask, type LoopTaskOptions, type TaskInit } from "qmi-ts";
import { quantile } from "./stats.ts";

const run = promisify(execFile);

class Probe extends LoopTask {
  readonly starts: number[] = [];
  constructor(init: TaskInit, options: LoopTaskOptions) {
    super(init, options);
  }
  protected override async loopIteration(): Promise<void> {
    this.starts.push(performance.now());
  }
}

/** Period error figures of one run, ms. */
export interface LoopPeriodFigures {
  readonly periodMs: number;
  readonly iterations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Runs a loop task at `periodMs` for `seconds` and measures each iteration's start error. */
export async function benchLoopPeriod(periodMs: number, seconds: number): Promise<LoopPeriodFigures> {
  const context = await Context.start(`bench_loop_${String(periodMs).replace(".", "_")}`, { config: null });
  try {
    const task = await context.makeTask("probe", Probe, { loopPeriod: periodMs / 1000 });
    await task.start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await task.stop();
    await task.join();
    const starts = (context.objects.get("probe")!.instance as unknown as { task: Probe }).task.starts;
    const errors = starts.map((t, i) => Math.abs(t - (starts[0]! + i * periodMs)));
    return { periodMs, iterations: errors.length, p50Ms: quantile(errors, 0.5), p99Ms: quantile(errors, 0.99), maxMs: quantile(errors, 1) };
  } finally {
    await context.stop();
  }
}

/**
 * Runs {@link benchLoopPeriod} in a fresh process (as a script's loop task would run), so that the garbage of
 * the other benchmarks in the runner's heap does not show up as period error.
 */
export async function benchLoopPeriodInChild(periodMs: number, seconds: number): Promise<LoopPeriodFigures> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), String(periodMs), String(seconds), "--json"], {
    timeout: (seconds + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as LoopPeriodFigures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchLoopPeriod(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 5));
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else console.log(`period ${r.periodMs} ms, ${r.iterations} iterations: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms, max ${r.maxMs.toFixed(3)} ms`);
}
