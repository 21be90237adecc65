/**
 * Small statistics and timing helpers shared by the benchmarks.
 *
 * @module
 */
import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";

/** The `p`-quantile (0..1) of `values` (sorted in place), or NaN for none. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(p * values.length))]!;
}

/** Microseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Latencies of `count` sequential runs of `call` (after `warmup` untimed ones), in µs. */
export async function sequentialLatencies(call: () => Promise<unknown>, count: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call();
  const latencies: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = nowUs();
    await call();
    latencies[i] = nowUs() - start;
  }
  return latencies;
}

/** Calls per second with `inFlight` concurrent callers looping over `call` for `seconds` (after a short warm-up). */
export async function throughput(call: () => Promise<unknown>, inFlight: number, seconds: number): Promise<number> {
  const run = async (until: number) => {
    let done = 0;
    const worker = async () => {
      while (performance.now() < until) {
        await call();
        done++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return done;
  };
  await run(performance.now() + Math.min(300, seconds * 250));
  const start = performance.now();
  const done = await run(start + seconds * 1000);
  return done / ((performance.now() - start) / 1000);
}

/** Rounds for display: 3 significant digits. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 3)));
}

/** Records when this process's full (mark-compact) garbage collections start, from its creation until {@link stop}. */
export class FullCollections {
  readonly #starts: number[] = [];
  readonly #observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { kind } = ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail ?? {});
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.#starts.push(entry.startTime);
    }
  });

  constructor() {
    this.#observer.observe({ entryTypes: ["gc"] });
  }

  /**
   * Stops recording and gives each full collection's start (`performance.now()` time). Entries reach the observer
   * a few turns of the event loop after the collection (two `setImmediate`s, measured): 10 ms lets the last ones in.
   */
  async stop(): Promise<number[]> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    this.#observer.disconnect();
    return this.#starts;
  }
}

/** How many of `instants` fall within each name's spans (`[start, end]`, ends included); names with none count 0. */
export function countWithin(spans: Readonly<Record<string, readonly (readonly [number, number])[]>>, instants: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, list] of Object.entries(spans)) {
    counts[name] = instants.filter((t) => list.some(([start, end]) => t >= start && t <= end)).length;
  }
  return counts;
}
