/**
 * The instrument's context of the dashboard load benchmark (`dashboard-load.ts`), in a process of its own:
 * `dashboard-publisher.ts <config file> [rate Hz = 10000]` hosts `nsg` (an open `NoisySineGenerator`) in context
 * `bench_dash_pub` and publishes its `sampleTaken` (`{ t, value }`, two numbers) at the rate from the start, until
 * `quit` on stdin.
 *
 * Publishing is paced by the clock: a 1 ms interval timer publishes, at each turn, the samples due since the last
 * one (about 10 per turn at 10 kHz), as a driver reading an instrument's buffer would. A loop that falls more than
 * {@link MAX_BEHIND_MS} behind skips the older samples and counts them as missed (the instrument's buffer would
 * have overflowed), so that the achieved rate says what the context sustains rather than how well it catches up.
 *
 * Prints `READY <port>`; each `mark` line on stdin is answered with `MARK <json>` ({@link PublisherMark}): counters
 * since the start and the event loop's delay since the previous mark.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

/** The context's name. */
export const PUBLISHER_CONTEXT = "bench_dash_pub";
/** Samples further behind the schedule than this are skipped and counted as missed, ms. */
export const MAX_BEHIND_MS = 100;

/** The sampling interval of the event loop's delay, ms. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** What `mark` answers. */
export interface PublisherMark {
  /** ms since the publisher started publishing (`performance.now()` of the publisher). */
  readonly atMs: number;
  /** Samples published since the start. */
  readonly published: number;
  /** Samples skipped since the start because the loop was more than {@link MAX_BEHIND_MS} behind. */
  readonly missed: number;
  /** CPU seconds (user + system) of the process since it started. */
  readonly cpuSeconds: number;
  /**
   * The event loop's delay since the previous mark, ms: how much later than due a 10 ms timer ran
   * (`monitorEventLoopDelay` records the whole interval; its {@link LOOP_DELAY_RESOLUTION_MS} is taken off).
   */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const configFile = process.argv[2];
  const rateHz = Number(process.argv[3] ?? 10_000);
  if (!configFile || !(rateHz > 0)) throw new Error("usage: dashboard-publisher.ts <config file> [rate Hz]");

  const context = await Context.start(PUBLISHER_CONTEXT, { config: configFile });
  await context.makeInstrument("nsg", NoisySineGenerator);
  const nsg = context.objects.get("nsg")!.instance as NoisySineGenerator;
  await nsg.open();

  const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  delay.enable();
  const started = performance.now();
  const epochMs = Date.now();
  let published = 0;
  let missed = 0;
  const maxBehind = Math.ceil((MAX_BEHIND_MS / 1000) * rateHz);
  const publishDue = () => {
    const due = Math.floor(((performance.now() - started) / 1000) * rateHz);
    if (due - published - missed > maxBehind) missed = due - published - maxBehind;
    for (let i = published + missed; i < due; i++, published++) {
      const t = (epochMs + (i * 1000) / rateHz) / 1000;
      nsg.sampleTaken.publish({ t, value: 100 * Math.sin(2 * Math.PI * 2 * t) });
    }
  };
  const timer = setInterval(publishDue, 1);

  const mark = (): PublisherMark => {
    publishDue(); // what is due by now counts as published or missed, not as behind
    const cpu = process.cpuUsage();
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    const answer: PublisherMark = {
      atMs: performance.now() - started,
      published,
      missed,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loopDelayP50Ms: ms(delay.percentile(50)),
      loopDelayP99Ms: ms(delay.percentile(99)),
      loopDelayMaxMs: ms(delay.max),
    };
    delay.reset();
    return answer;
  };

  const lines = createInterface({ input: process.stdin });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    delay.disable();
    lines.close();
    await context.stop();
    process.exit(0);
  };
  lines.on("line", (line) => {
    if (line === "mark") console.log(`MARK ${JSON.stringify(mark())}`);
    else if (line === "quit") void stop();
  });
  lines.on("close", () => void stop());
  process.on("SIGTERM", () => void stop());
  console.log(`READY ${context.tcpServerPort}`);
}
