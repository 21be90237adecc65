/**
 * Benchmarks 2, 3, 5 and 9: calls through the generated proxy to `nsg` in the benchmark server's process, over
 * one call path (`QMI_CALL_PATH`, read when the connection is made): sequential `getSample` p50/p99 and calls/s,
 * calls/s with 16 and 256 in flight, the `lock()` + `unlock()` pair, and `connectToPeer` + the first typed proxy.
 */
import { Context } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
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
    return {
      ...sequential,
      inFlight16PerS,
      inFlight256PerS,
      ...lockPair,
      connectMs,
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
