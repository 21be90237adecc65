/**
 * Benchmark 1: an in-process call through the generated proxy (`getSample` of an open noisy sine generator)
 * against a direct method call on the same instance, in ns per call (sequential, awaited).
 */
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

/** What {@link benchInProcess} measured. */
export interface InProcessResult {
  readonly proxyNs: number;
  readonly directNs: number;
}

async function nsPerCall(call: () => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < Math.min(count, 20_000); i++) await call();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await call();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / count);
  }
  return best;
}

/** Runs benchmark 1 with `count` calls per round (best of 5 rounds). */
export async function benchInProcess(count: number): Promise<InProcessResult> {
  const context = await Context.start("bench_local", { config: { logging: { console_loglevel: "WARNING" } } });
  try {
    const nsg = await context.makeInstrument("nsg", NoisySineGenerator);
    await nsg.open();
    const instance = context.objects.get("nsg")!.instance as NoisySineGenerator;
    const directNs = await nsPerCall(() => instance.getSample(), count);
    const proxyNs = await nsPerCall(() => nsg.getSample(), count);
    return { proxyNs, directNs };
  } finally {
    await context.stop();
  }
}
