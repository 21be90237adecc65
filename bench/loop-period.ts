/**
 * LoopTask period accuracy: runs an empty loop task at `period` ms for `seconds` and prints the distribution of
 * |actual start - scheduled start| per iteration. Design goal: p99 <= 0.5 ms at 10 ms.
 *
 * Run: npx tsx bench/loop-period.ts [periodMs=10] [seconds=5]
 */
import { Context, LoopTask, type LoopTaskOptions, type TaskInit } from "qmi-ts";

const periodMs = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 5);

class Probe extends LoopTask {
  readonly starts: number[] = [];
  constructor(init: TaskInit, options: LoopTaskOptions) {
    super(init, options);
  }
  protected override async loopIteration(): Promise<void> {
    this.starts.push(performance.now());
  }
}

const context = await Context.start("bench_loop", { config: null });
const task = await context.makeTask("probe", Probe, { loopPeriod: periodMs / 1000 });
await task.start();
await new Promise((r) => setTimeout(r, seconds * 1000));
await task.stop();
await task.join();
const starts = (context.objects.get("probe")!.instance as unknown as { task: Probe }).task.starts;
await context.stop();
const errors = starts.map((t, i) => Math.abs(t - (starts[0]! + i * periodMs))).sort((a, b) => a - b);
const q = (p: number) => errors[Math.min(errors.length - 1, Math.floor(p * errors.length))]!.toFixed(3);
console.log(`period ${periodMs} ms, ${errors.length} iterations: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
