/**
 * `npm run bench`: every benchmark of issue 6 in one bounded run (about a minute; loopback only), printed as a
 * table and written to `bench/results.json`, each qmi-ts figure next to a baseline measured in the same run.
 *
 * The server side runs in a second process (`bench/server.ts`); remote call figures are measured over both call
 * paths (`unary` and `channel`, see `QMI_CALL_PATH`). Benchmark 11 (arrays) adds a peer column: Python QMI, when
 * `QMI_SOURCE` names its source folder (see `qmi-peer.ts`).
 *
 * Benchmark 13 (the dashboard under load, with Chromium; `dashboard-load.ts`) takes two phases of 30 s and most of
 * both cores, and the full run is close to its 240 s stop already on a busy machine: it runs only when selected,
 * `--only dashboard`, and in the smoke run (phases of 1 s), so that `npm test` checks that it works.
 *
 * Usage: npx tsx bench/run.ts [--smoke] [--only dashboard] [--dashboard-seconds <s>] [--out <file>]
 *   --smoke              tiny counts, no Python or codegen timing: checks that every benchmark works (used by `npm test`)
 *   --only dashboard     only benchmark 13
 *   --dashboard-seconds  the length of each of benchmark 13's two phases (default 30 s; 1 s with --smoke)
 *   --out                where to write the JSON (default bench/results.json; with --smoke or --only, nothing unless given)
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { benchRawGrpcBidi, benchRawGrpcUnary, benchTcpPingPong, type CallFigures } from "./baselines.ts";
import { benchArraysBuilt } from "./built-package.ts";
import { benchCodegen, type CodegenFigures } from "./codegen-time.ts";
import { benchDashboardLoad, RATE_HZ, TABS } from "./dashboard-load.ts";
import { ARRAY_SIZES, TUNED_HEAP_FLAGS, arrayRows, benchArrays, roundsFor, type ArrayFigures, type TraceStreamFigures } from "./arrays.ts";
import { benchInProcess } from "./in-process.ts";
import { benchLoopPeriodInChild } from "./loop-period.ts";
import { benchPython } from "./python-client.ts";
import { benchQmiPeer } from "./qmi-peer.ts";
import { benchRecordingInChild } from "./recording.ts";
import { benchRemoteCalls, type RemoteCallFigures } from "./remote-calls.ts";
import { round } from "./stats.ts";
import { watch } from "./watched-child.ts";
import { benchSignals } from "./signals.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const argv = process.argv.slice(2);
const smoke = argv.includes("--smoke");
const valueOf = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
/** Benchmarks that run alone with `--only`. */
const ALONE = ["dashboard"];
const only = valueOf("--only");
if (argv.includes("--only") && !ALONE.includes(only ?? "")) {
  console.error(`bench: --only takes one of ${ALONE.join(", ")}, found ${JSON.stringify(only)}`);
  process.exit(2);
}
const outIndex = argv.indexOf("--out");
const out = outIndex >= 0 ? argv[outIndex + 1] : smoke || only ? undefined : `${ROOT}bench/results.json`;
/** Each of benchmark 13's two phases (the publisher alone, then with the dashboard) lasts this, s. */
const dashboardSeconds = Number(valueOf("--dashboard-seconds") ?? (smoke ? 1 : 30));
if (!(dashboardSeconds > 0)) {
  console.error(`bench: --dashboard-seconds must be a positive number of seconds, found ${JSON.stringify(valueOf("--dashboard-seconds"))}`);
  process.exit(2);
}

/** Sizes of the run. */
const size = smoke
  ? { calls: 100, seconds: 0.2, inProcess: 2_000, events: 400, loopSeconds: 0.3, python: 0, recordingSeconds: 0.1 }
  : { calls: 3_000, seconds: 2, inProcess: 200_000, events: 40_000, loopSeconds: 4, python: 2_000, recordingSeconds: 2 };

/**
 * A hard stop, so that a hung benchmark never outlives its budget: 360 s for the full run (benchmark 11 on the
 * built package, with its build, takes about a minute of it), 240 s plus benchmark 13's phases for the smoke run;
 * for benchmark 13 alone, its phases and 2 minutes.
 */
const budgetSeconds = only === "dashboard" ? 120 + 2 * dashboardSeconds : smoke ? 240 + 2 * dashboardSeconds : 360;
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${budgetSeconds} s; giving up`);
  process.exit(2);
}, budgetSeconds * 1000);
watchdog.unref();

interface Row {
  readonly benchmark: string;
  readonly qmi: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  /** Benchmark 11's Python QMI figure. */
  readonly peer?: string;
}
const rows: Row[] = [];
const fmt = (value: number, unit: string) => `${round(value)} ${unit}`;
function row(benchmark: string, qmi: number, unit: string, baselineName: string, baseline: number | undefined, goal = "") {
  const ratio = baseline === undefined || !Number.isFinite(baseline) ? "" : `${round(qmi / baseline)}×`;
  rows.push({ benchmark, qmi: fmt(qmi, unit), baseline: baseline === undefined ? baselineName : `${baselineName} ${fmt(baseline, unit)}`, ratio, goal });
}

async function startServer() {
  const child = watch(spawn(process.execPath, ["--import", "tsx", "bench/server.ts"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] }), "bench server");
  const ready = await child.waitFor(/^READY (\d+) (\d+) (\d+) (\d+) (\d+)$/, 60);
  return {
    qmiPort: Number(ready[1]),
    tcpPort: Number(ready[2]),
    rawPort: Number(ready[3]),
    guardedPort: Number(ready[4]),
    framedPort: Number(ready[5]),
    async burst(count: number) {
      const done = child.waitFor(/^BURST DONE$/, 60);
      child.process.stdin!.write(`burst ${count}\n`);
      await done;
    },
    stop: () => child.stop(),
  };
}

const started = performance.now();
const load = loadavg()[0]!;
const results: Record<string, unknown> = { date: new Date().toISOString(), smoke, ...(only && { only }), cpus: cpus().length, loadAverage1mAtStart: load };

if (only === "dashboard") {
  await dashboardLoad();
  report();
}

const inProcess = await benchInProcess(size.inProcess);
results.inProcess = inProcess;
row("1 in-process getSample via proxy", inProcess.proxyNs, "ns", "direct call", inProcess.directNs, "≤ 500 ns");

const server = await startServer();
const address = `127.0.0.1:${server.qmiPort}`;
let tcp: CallFigures;
let raw: CallFigures;
let bidi: CallFigures;
const remote: Partial<Record<"unary" | "channel", RemoteCallFigures>> = {};
// Benchmark 11: only 10^3 doubles, one round trip each, in the smoke run.
const arraySizes = smoke ? ARRAY_SIZES.slice(0, 1) : ARRAY_SIZES;
let arrays: ArrayFigures[];
try {
  tcp = await benchTcpPingPong(server.tcpPort, size.calls);
  raw = await benchRawGrpcUnary(server.rawPort, size.calls, size.seconds);
  const guarded = await benchRawGrpcUnary(server.guardedPort, size.calls, size.seconds);
  bidi = await benchRawGrpcBidi(server.rawPort, size.calls, size.seconds);
  results.baselines = { tcpPingPong: tcp, rawGrpcUnary: raw, rawGrpcUnaryGuarded: guarded, rawGrpcBidi: bidi };
  for (const path of ["channel", "unary"] as const) remote[path] = await benchRemoteCalls(path, address, size.calls, size.seconds);
  results.remote = remote;
  for (const path of ["channel", "unary"] as const) {
    const r = remote[path]!;
    row(`2 remote getSample p50 (${path})`, r.p50Us, "µs", "TCP ping-pong", tcp.p50Us, path === "channel" ? "≤ 1.3× TCP" : "");
    row(`2 remote getSample p99 (${path})`, r.p99Us, "µs", "TCP ping-pong", tcp.p99Us);
    row(`2 remote sequential calls/s (${path})`, r.seqCallsPerS, "/s", "raw grpc-js unary", raw.seqCallsPerS);
    const same = path === "channel" ? { name: "raw grpc-js bidi", figures: bidi } : { name: "raw grpc-js unary", figures: raw };
    row(`3 remote calls/s, 16 in flight (${path})`, r.inFlight16PerS!, "/s", same.name, same.figures.inFlight16PerS, path === "channel" ? "≥ 60k/s" : "");
    row(`3 remote calls/s, 256 in flight (${path})`, r.inFlight256PerS!, "/s", same.name, same.figures.inFlight256PerS ?? same.figures.inFlight16PerS);
    row(`5 lock+unlock pair p50 (${path})`, r.lockPairP50Us, "µs", "one call, alternating", r.lockPairCallP50Us, path === "channel" ? "≤ 2×" : "");
    row(`5 lock+unlock pair p50 (${path})`, r.lockPairP50Us, "µs", "two calls in sequence, alternating", r.lockPairTwoCallsP50Us);
    row(`9 connectToPeer + typed proxy (${path})`, r.connectMs, "ms", "", undefined);
    row(`10 echoList 1000 doubles (8 kB) p50 (${path})`, r.list8kP50Us, "µs", "getSample, alternating", r.list8kCallP50Us, path === "channel" ? "≤ 1.5×" : "");
  }
  row("- raw grpc-js unary p50 (baseline)", raw.p50Us, "µs", "TCP ping-pong", tcp.p50Us);
  row("- raw grpc-js bidi, one call per message, p50 (baseline)", bidi.p50Us, "µs", "TCP ping-pong", tcp.p50Us);
  row("- qmi-ts unary p50 vs raw grpc-js unary", remote.unary!.p50Us, "µs", "raw grpc-js unary", raw.p50Us, "≤ 1.1×");
  row("- raw grpc-js unary behind the call guard p50", guarded.p50Us, "µs", "raw grpc-js unary", raw.p50Us);

  const signals = [];
  for (const subscribers of [1, 8]) {
    const s = await benchSignals(address, subscribers, Math.floor(size.events / Math.sqrt(subscribers)), (n) => server.burst(n));
    signals.push(s);
    row(`4 signal events/s, ${subscribers} subscriber${subscribers > 1 ? "s" : ""} (dropped ${s.dropped})`, s.eventsPerS, "/s", "", undefined, "≥ 200k/s");
  }
  results.signals = signals;

  if (size.python > 0) {
    const python = await benchPython(address, `127.0.0.1:${server.rawPort}`, `127.0.0.1:${server.guardedPort}`, size.python);
    results.python = python;
    if (typeof python === "string") rows.push({ benchmark: "6 Python grpcio unary p50", qmi: python, baseline: "", ratio: "", goal: "" });
    else {
      row("6 Python grpcio unary p50", python.qmiP50Us, "µs", "Python → raw grpc-js", python.rawP50Us, "≤ 1.1×");
      row("6 Python → raw grpc-js behind the call guard", python.guardedP50Us, "µs", "Python → raw grpc-js", python.rawP50Us);
    }
  }

  arrays = await benchArrays(address, server.framedPort, arraySizes, smoke);
  results.arrays = arrays;
} finally {
  await server.stop();
}
const qmiPeer = smoke ? "not measured (smoke run)" : await benchQmiPeer(arraySizes, (doubles) => roundsFor(doubles, smoke));
results.qmiPeer = qmiPeer;
// Benchmark 11 again between two processes on the built package, as a lab runs it (built-package.ts).
const arraysBuilt = smoke ? "not measured (smoke run)" : await benchArraysBuilt(arraySizes);
results.arraysBuilt = arraysBuilt;
// And a stream of 10^6-double traces on the same build, with the default heap and a tuned one (TUNED_HEAP_FLAGS).
const traceStream: TraceStreamFigures | string =
  typeof arraysBuilt === "string"
    ? arraysBuilt
    : {
        defaultHeap: await benchArraysBuilt([1_000_000], { build: false, float64Only: true }),
        tunedHeap: await benchArraysBuilt([1_000_000], { build: false, float64Only: true, nodeFlags: TUNED_HEAP_FLAGS }),
      };
results.traceStream = traceStream;

const loops = [];
for (const periodMs of [10, 1]) {
  const l = await benchLoopPeriodInChild(periodMs, size.loopSeconds);
  loops.push(l);
  row(`7 LoopTask ${periodMs} ms period error p50`, l.p50Ms, "ms", "", undefined);
  row(`7 LoopTask ${periodMs} ms period error p99`, l.p99Ms, "ms", "", undefined, periodMs === 10 ? "≤ 0.5 ms" : "");
}
results.loopPeriod = loops;

const recording = await benchRecordingInChild(size.recordingSeconds);
results.recording = recording;
row(`12 recording signals/s (dropped ${recording.dropped})`, recording.signalsPerS, "/s", "raw append of the same bytes", recording.rawRowsPerS);
row("12 recording MB/s of columns to disk", recording.mbPerS, "MB/s", "raw append of the same bytes", recording.rawMbPerS);
row("12 HDF5 column appends alone, rows/s", recording.hdf5RowsPerS, "/s", "raw append of the same bytes", recording.rawRowsPerS);

if (!smoke) {
  const codegen: CodegenFigures = await benchCodegen();
  results.codegen = codegen;
  row("8 npm run gen (all sources)", codegen.genMs, "ms", "", undefined);
  row("8 npm run gen -- --check", codegen.checkMs, "ms", "", undefined);
}
rows.push(...arrayRows(arrays, qmiPeer, arraysBuilt, traceStream));
// Benchmark 13 in the smoke run only (see the module doc); last, as Chromium and the dashboard are the heaviest.
if (smoke) await dashboardLoad();
report();

/** Benchmark 13: a 10 kHz signal plotted in 3 tabs of the dashboard, next to its publisher alone (dashboard-load.ts). */
async function dashboardLoad(): Promise<void> {
  const r = await benchDashboardLoad(dashboardSeconds, { settleSeconds: smoke ? 0.2 : 1 });
  results.dashboardLoad = r;
  const what = `${RATE_HZ / 1000} kHz signal plotted in ${TABS} tabs, ${dashboardSeconds} s`;
  if (typeof r === "string") return void rows.push({ benchmark: `13 dashboard load (${what})`, qmi: r, baseline: "", ratio: "", goal: "" });
  const { alone, withDashboard: loaded } = r;
  row(`13 dashboard: publisher signals/s, ${what} (missed ${loaded.missed})`, loaded.ratePerS, "/s", `publisher alone (missed ${alone.missed})`, alone.ratePerS, `${RATE_HZ} /s`);
  row("13 dashboard: publisher CPU, % of a core", loaded.cpuPercent, "%", "publisher alone", alone.cpuPercent);
  const max = (phase: typeof alone) => `${round(phase.loopDelayMaxMs)} ms`;
  row(`13 dashboard: publisher event loop delay p99 (max ${max(loaded)}; alone ${max(alone)})`, loaded.loopDelayP99Ms, "ms", "publisher alone", alone.loopDelayP99Ms);
  row("13 dashboard process CPU, % of a core", r.dashboard.cpuPercent, "%", "", undefined);
  row("13 dashboard process peak RSS", r.dashboard.peakRssBytes / 1e6, "MB", "idle, before the tabs", r.dashboard.rssIdleBytes / 1e6);
  row(`13 Chromium CPU, ${TABS} tabs, % of a core (${r.chromium.processes} processes)`, r.chromium.cpuPercent, "%", "", undefined);
  const perTab = r.perTab.map((tab) => round(tab.receivedPerS)).join(", ");
  const fewest = Math.min(...r.perTab.map((tab) => tab.receivedPerS));
  rows.push({
    benchmark: `13 points received per tab (dropped ${r.perTab.map((tab) => tab.dropped).join(", ")})`,
    qmi: `${perTab} /s`,
    baseline: `published ${round(loaded.ratePerS)} /s`,
    ratio: `${round(fewest / loaded.ratePerS)}×`,
    goal: "",
  });
}

/** Prints the table, writes the JSON and exits. */
function report(): never {
  results.rows = rows;
  results.totalSeconds = (performance.now() - started) / 1000;
  const header = ["benchmark", "qmi-ts", "baseline (same run)", "ratio", "goal", "peer: Python QMI (same run)"];
  const cellsOf = (r: Row) => [r.benchmark, r.qmi, r.baseline, r.ratio, r.goal, r.peer ?? ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cellsOf(r)[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const r of rows) console.log(line(cellsOf(r)).trimEnd());
  console.log(`\n${cpus().length} CPUs, 1-min load average ${load.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end; ${round(results.totalSeconds as number)} s`);
  if (out) {
    writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    console.log(`results written to ${out}`);
  }
  process.exit(0);
}
