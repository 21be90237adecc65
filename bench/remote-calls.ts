/**
 * Benchmarks 2, 3, 5, 9 and 10: calls through the generated proxies to `nsg` and `echo` in the benchmark server's
 * process, over one call path (`QMI_CALL_PATH`, read when the connection is made): sequential `getSample` p50/p99
 * and calls/s, calls/s with 16 and 256 in flight, the `lock()` + `unlock()` pair, `connectToPeer` + the first
 * typed proxy, and an 8 kB array (`echoList` of 1,000 doubles) against a small call.
 */
import { Context } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { figures, type CallFigures } from "./baselines.ts";
import { nowUs, quantile, sequentialLatencies, throughput } from "./stats.ts";

/** What {@link benchRemoteCalls} measured over one path. */
export interface RemoteCallFigures extends CallFigures {
  readonly lockPairP50Us: number;
  /** One `getSample`, measured alternately with the pairs: the pair's baseline. */
  readonly lockPairCallP50Us: number;
  /**
   * Two sequential `getSample`s, measured alternately with the pairs: what "2 × one call" comes to with the
   * latency spread (the median of a sum of two skewed latencies is more than twice the median of one).
   */
  readonly lockPairTwoCallsP50Us: number;
  readonly connectMs: number;
  /** Sequential `echoList` of 1,000 doubles (8 kB each way), p50, measured alternately with `getSample`. */
  readonly list8kP50Us: number;
  /** One `getSample`, measured alternately with `echoList`: its baseline. */
  readonly list8kCallP50Us: number;
}

/** Runs the remote call benchmarks over `path` against the context at `address`. */
export async function benchRemoteCalls(path: "unary" | "channel", address: string, count: number, seconds: number): Promise<RemoteCallFigures> {
  const previous = process.env.QMI_CALL_PATH;
  process.env.QMI_CALL_PATH = path;
  const client = await Context.start(`bench_client_${path}`, { config: { logging: { console_loglevel: "WARNING" } } });
  try {
    const started = nowUs();
    await client.connectToPeer("bench_server", { address });
    const nsg = await client.getInstrument("bench_server.nsg", NoisySineGeneratorProxy);
    const connectMs = (nowUs() - started) / 1000;
    const sequential = figures(await sequentialLatencies(() => nsg.getSample(), count, count));
    const inFlight16PerS = await throughput(() => nsg.getSample(), 16, seconds);
    const inFlight256PerS = await throughput(() => nsg.getSample(), 256, seconds);
    const lockPair = await lockPairFigures(nsg, count);
    const echo = await client.getInstrument("bench_server.echo", EchoInstrumentProxy);
    const list = await alternately(() => echo.echoList(DOUBLES_8K), () => nsg.getSample(), count);
    return {
      ...sequential,
      inFlight16PerS,
      inFlight256PerS,
      ...lockPair,
      connectMs,
      list8kP50Us: list.p50Us,
      list8kCallP50Us: list.baselineP50Us,
    };
  } finally {
    await client.stop();
    if (previous === undefined) delete process.env.QMI_CALL_PATH;
    else process.env.QMI_CALL_PATH = previous;
  }
}

/**
 * Benchmark 5: the `lock()` + `unlock()` pair, measured alternately with one call and with two calls in sequence,
 * so that all three see the same conditions (after the throughput runs, whose garbage and warm-up change the
 * figures) and their ratios compare like with like.
 */
async function lockPairFigures(
  nsg: NoisySineGeneratorProxy,
  count: number,
): Promise<Pick<RemoteCallFigures, "lockPairP50Us" | "lockPairCallP50Us" | "lockPairTwoCallsP50Us">> {
  const pairs: number[] = [];
  const singles: number[] = [];
  const doubles: number[] = [];
  const twoCalls = async () => {
    await nsg.getSample();
    await nsg.getSample();
  };
  const lockPair = async () => {
    await nsg.lock();
    await nsg.unlock();
  };
  // Warm-up as for the sequential figures, which follow `count` untimed calls: here `count` untimed rounds, so that
  // lock() and unlock() too run `count` times first. With a quarter of that, their code was still being optimised
  // while timed (the pair measured 2.06 × one call; 1.95 × after 3000 rounds).
  for (let i = 0; i < Math.max(20, count); i++) {
    await lockPair();
    await nsg.getSample();
    await twoCalls();
  }
  for (let i = 0, rounds = Math.max(20, Math.floor(count / 4)); i < rounds; i++) {
    pairs.push(...(await sequentialLatencies(lockPair, 1, 0)));
    singles.push(...(await sequentialLatencies(() => nsg.getSample(), 1, 0)));
    doubles.push(...(await sequentialLatencies(twoCalls, 1, 0)));
  }
  return { lockPairP50Us: quantile(pairs, 0.5), lockPairCallP50Us: quantile(singles, 0.5), lockPairTwoCallsP50Us: quantile(doubles, 0.5) };
}

/** 1,000 doubles: 8 kB on the wire, the smallest of a lab's arrays (a short trace). */
const DOUBLES_8K = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10));

/** p50 of `measured` and of `baseline`, each call of one followed by one of the other, after `count` untimed pairs. */
async function alternately(measured: () => Promise<unknown>, baseline: () => Promise<unknown>, count: number): Promise<{ p50Us: number; baselineP50Us: number }> {
  for (let i = 0; i < Math.max(20, count / 4); i++) {
    await measured();
    await baseline();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0, rounds = Math.max(20, Math.floor(count / 4)); i < rounds; i++) {
    a.push(...(await sequentialLatencies(measured, 1, 0)));
    b.push(...(await sequentialLatencies(baseline, 1, 0)));
  }
  return { p50Us: quantile(a, 0.5), baselineP50Us: quantile(b, 0.5) };
}
