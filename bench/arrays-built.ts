/**
 * Benchmark 11's remote round trips as a lab runs qmi-ts: both processes on the built package (`dist/`, made by
 * `npm run build`), not on the source under tsx, whose larger heap makes every full garbage collection dearer (see
 * bench/README.md, "Where an 8 MB round trip goes now"). Run with `TSX_TSCONFIG_PATH=bench/tsconfig.built.json`, so
 * that `qmi-ts` resolves to `dist/`; each mode checks that it does.
 *
 * - `serve`: a context `bench_built_server` hosting an open `EchoInstrument` `echo`, and a length-prefixed raw TCP
 *   echo server; prints `READY <qmi port> <raw echo port>` and stops when stdin closes.
 * - `measure <qmi port> <raw echo port> <doubles>...`: the raw echo and the three kinds taking turns
 *   (`benchRemote`), after the warm-up; prints `FIGURES <json>` (an array of {@link BuiltArrayFigures}).
 * - `measure-float64 ...`: the same with the `Float64Array` echo alone taking turns with the raw one, for
 *   `TRACE_STREAM_ROUNDS` round trips (a stream of traces).
 *
 * Started by `built-package.ts`.
 *
 * @module
 */
import * as qmi from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import type { AddressInfo } from "node:net";
import { ARRAY_CONTEXT_CONFIG, KINDS, TRACE_STREAM_ROUNDS, benchRemote, roundsFor, warmUp, type BuiltArrayFigures } from "./arrays.ts";
import { FramedEchoClient, startFramedEchoServer } from "./raw-echo.ts";

const resolved = import.meta.resolve("qmi-ts");
if (!resolved.includes("/dist/")) throw new Error(`qmi-ts resolves to ${resolved}, not to the built package (set TSX_TSCONFIG_PATH=bench/tsconfig.built.json)`);

const [mode, ...args] = process.argv.slice(2);
if (mode === "serve") {
  const context = await qmi.start("bench_built_server", { config: ARRAY_CONTEXT_CONFIG });
  await (await qmi.makeInstrument("echo", EchoInstrument)).open();
  const framed = await startFramedEchoServer();
  console.log(`READY ${context.tcpServerPort} ${(framed.address() as AddressInfo).port}`);
  process.stdin.resume();
  process.stdin.on("close", () => {
    framed.close();
    void qmi.stop().then(() => process.exit(0));
  });
} else if (mode === "measure" || mode === "measure-float64") {
  const kinds = mode === "measure" ? KINDS : KINDS.filter((kind) => kind.type === "Float64Array");
  const [qmiPort, rawPort, ...sizes] = args.map(Number);
  const context = await qmi.start("bench_built_client", { config: ARRAY_CONTEXT_CONFIG });
  const raw = await FramedEchoClient.connect(rawPort!);
  try {
    await context.connectToPeer("bench_built_server", { address: `127.0.0.1:${qmiPort}` });
    const echo = await context.getInstrument("bench_built_server.echo", EchoInstrumentProxy);
    await warmUp(raw, [echo]);
    const figures: BuiltArrayFigures[] = [];
    for (const doubles of sizes) {
      const rounds = mode === "measure" ? roundsFor(doubles, false) : TRACE_STREAM_ROUNDS;
      figures.push({ doubles, ...(await benchRemote(doubles, rounds, raw, echo, kinds)) });
    }
    console.log(`FIGURES ${JSON.stringify(figures)}`);
  } finally {
    raw.close();
    await qmi.stop();
  }
} else {
  throw new Error(`usage: arrays-built.ts serve | measure[-float64] <qmi port> <raw echo port> <doubles>...`);
}
