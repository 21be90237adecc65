/**
 * Benchmark 11: bulk data. The round trip of an array of doubles through `EchoInstrument`'s echo methods, as
 * `number[]` (`echoList`), as a `Uint8Array` of the same bytes (`echoBytes`) and as a `Float64Array`
 * (`echoFloat64Array`), in-process and from the benchmark process to the server process, with the default
 * configuration (arrays above the 4 MiB message limit travel in parts on the call channel). Each remote figure sits next to the same bytes echoed over a
 * raw length-prefixed TCP socket between the same two processes (`raw-echo.ts`), and Python QMI's figure for
 * the same payload (`qmi-peer.ts`).
 *
 * Figures: the median round trip, ms, after one untimed call (which also checks that the array came back
 * whole), and MB/s = payload bytes each way (10^6 bytes a MB) ÷ round-trip time; the raw echo and the remote kinds
 * take turns round by round. Before any of them, every path
 * (raw echo included) makes {@link WARM_UP_ROUNDS} untimed round trips of {@link WARM_UP_DOUBLES} doubles.
 *
 * @module
 */
import { Context, invoke, type QmiConfig } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { FramedEchoClient } from "./raw-echo.ts";
import { FullCollections, countWithin, quantile, round } from "./stats.ts";

/** Payload sizes, in doubles: 8 kB, 800 kB, 8 MB and 80 MB. */
export const ARRAY_SIZES: readonly number[] = [1_000, 100_000, 1_000_000, 10_000_000];

/** The configuration of the benchmark's contexts that echo arrays: the default, quieter. */
export const ARRAY_CONTEXT_CONFIG: QmiConfig = {
  logging: { console_loglevel: "WARNING" },
};

/** Timed round trips per payload size (odd, so that the median is one of them); the smoke run times one. */
export function roundsFor(doubles: number, smoke: boolean): number {
  if (smoke) return 1;
  return doubles <= 1_000 ? 31 : doubles <= 1_000_000 ? 11 : 3;
}

/**
 * Untimed round trips per path before the figures, and their size. Their JavaScript (the raw echo's as much as
 * qmi-ts's, in both processes) is still being optimised over the first large messages: a fresh raw echo of
 * 10^5 doubles took 3.5 ms a round trip for about 20 round trips, then 1.3 ms, and `echoBytes` 12–18 ms, then
 * about 6 ms. 10^5 doubles warm the same code as 10^6 for a tenth of the time.
 */
export const WARM_UP_ROUNDS = 20;
export const WARM_UP_DOUBLES = 100_000;

/** A median round trip. */
export interface RoundTrip {
  readonly ms: number;
  /** Payload bytes each way ÷ round-trip time, in 10^6 bytes per second. */
  readonly mbPerS: number;
  readonly rounds: number;
  /**
   * Full garbage collections of the measuring process that started during these timed round trips (a process that
   * falls into one per round trip is twice as slow: bench/README.md, "Runs that fall into a full collection per
   * round trip"); absent where not counted (Python QMI's figures).
   */
  readonly fullCollections?: number;
}

/** A round trip, or why there is none. */
export type Outcome = RoundTrip | { readonly failed: string } | { readonly notAvailable: string };

/** Python QMI's round trips for one payload size, the array as each Python type (measured by `qmi-peer.ts`). */
export interface PeerFigures {
  readonly doubles: number;
  readonly numpy: Outcome;
  readonly list: Outcome;
  readonly bytes: Outcome;
}

/** How an array travels: the echo method (the first of `methods` the service has) and the payload it takes. */
export interface ArrayKind {
  readonly type: "number[]" | "Uint8Array" | "Float64Array";
  readonly methods: readonly string[];
  readonly payload: (doubles: Float64Array) => unknown;
}

export const KINDS: readonly ArrayKind[] = [
  { type: "number[]", methods: ["echoList"], payload: (doubles) => Array.from(doubles) },
  { type: "Uint8Array", methods: ["echoBytes"], payload: (doubles) => new Uint8Array(doubles.buffer, doubles.byteOffset, doubles.byteLength) },
  // Being added to the driver while this benchmark was written, under one name or the other.
  { type: "Float64Array", methods: ["echoFloat64Array"], payload: (doubles) => doubles },
];

/** The remote figures of one payload size between two processes on the built package (`arrays-built.ts`). */
export interface BuiltArrayFigures {
  readonly doubles: number;
  readonly rawTcp: RoundTrip;
  /** Each kind measured (all of them, or `Float64Array` alone for a stream of traces). */
  readonly remote: Readonly<Partial<Record<ArrayKind["type"], Outcome>>>;
}

/**
 * A stream of traces on the built package: the 10^6-double `Float64Array` echo taking turns with the raw echo
 * alone, between processes with the default heap and with {@link TUNED_HEAP_FLAGS}.
 */
export interface TraceStreamFigures {
  readonly defaultHeap: readonly BuiltArrayFigures[] | string;
  readonly tunedHeap: readonly BuiltArrayFigures[] | string;
}

/**
 * The node options of the "heap tuned" processes: an initial old generation of 128 MB, under which V8 does not
 * start a full collection for the buffers a stream of traces leaves behind (see bench/README.md).
 */
export const TUNED_HEAP_FLAGS: readonly string[] = ["--initial-old-space-size=128"];

/** Round trips of a stream of traces (more than {@link roundsFor}'s: only two paths take turns). */
export const TRACE_STREAM_ROUNDS = 31;

/** What {@link benchArrays} measured for one payload size. */
export interface ArrayFigures {
  readonly doubles: number;
  readonly bytes: number;
  readonly rawTcp: RoundTrip;
  readonly inProcess: Readonly<Record<ArrayKind["type"], Outcome>>;
  readonly remote: Readonly<Record<ArrayKind["type"], Outcome>>;
  /** The call path of the remote figures (`QMI_CALL_PATH`, default `channel`). */
  readonly path: "unary" | "channel";
}

/**
 * Runs benchmark 11 for `sizes` doubles: in-process, against `echo` of the context at `address`, and the raw
 * echo at 127.0.0.1:`rawPort`.
 */
export async function benchArrays(address: string, rawPort: number, sizes: readonly number[], smoke: boolean): Promise<ArrayFigures[]> {
  const local = await Context.start("bench_arrays_local", { config: ARRAY_CONTEXT_CONFIG });
  const client = await Context.start("bench_arrays_client", { config: ARRAY_CONTEXT_CONFIG });
  const raw = await FramedEchoClient.connect(rawPort);
  try {
    await (await local.makeInstrument("echo", EchoInstrument)).open();
    const localEcho = await local.getInstrument("bench_arrays_local.echo", EchoInstrumentProxy);
    await client.connectToPeer("bench_server", { address });
    const remoteEcho = await client.getInstrument("bench_server.echo", EchoInstrumentProxy);
    if (!smoke) await warmUp(raw, [localEcho, remoteEcho]);
    const figures: ArrayFigures[] = [];
    for (const doubles of sizes) figures.push(await benchSize(doubles, roundsFor(doubles, smoke), raw, localEcho, remoteEcho));
    return figures;
  } finally {
    raw.close();
    await client.stop();
    await local.stop();
  }
}

/** {@link WARM_UP_ROUNDS} untimed round trips of {@link WARM_UP_DOUBLES} doubles on every path. */
export async function warmUp(raw: FramedEchoClient, echoes: readonly EchoInstrumentProxy[]): Promise<void> {
  const doubles = sineWave(WARM_UP_DOUBLES);
  const calls: (() => Promise<unknown>)[] = [() => raw.roundTrip(new Uint8Array(doubles.buffer))];
  for (const kind of KINDS) {
    const method = methodOf(kind);
    const payload = kind.payload(doubles);
    if (method) for (const echo of echoes) calls.push(() => echo[invoke](method, [payload]));
  }
  for (const call of calls) for (let i = 0; i < WARM_UP_ROUNDS; i++) await call();
}

export function sineWave(count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => Math.sin(i / 10));
}

/** The kind's echo method in the echo instrument's service, or undefined while it has none. */
function methodOf(kind: ArrayKind): string | undefined {
  return kind.methods.find((name) => EchoInstrumentProxy.descriptor.methods.some((m) => m.name === name));
}

async function benchSize(
  count: number,
  rounds: number,
  raw: FramedEchoClient,
  localEcho: EchoInstrumentProxy,
  remoteEcho: EchoInstrumentProxy,
): Promise<ArrayFigures> {
  const { rawTcp, remote } = await benchRemote(count, rounds, raw, remoteEcho);
  const doubles = sineWave(count);
  const inProcess = await eachKind((kind) => echoOutcome(localEcho, kind, doubles, rounds));
  const path = process.env.QMI_CALL_PATH === "unary" ? "unary" : "channel";
  return { doubles: count, bytes: doubles.byteLength, rawTcp, inProcess, remote: remote as Record<ArrayKind["type"], Outcome>, path }; // every kind
}

/** The raw echo and the remote kinds of one payload size, taking turns. */
export async function benchRemote(
  count: number,
  rounds: number,
  raw: FramedEchoClient,
  remoteEcho: EchoInstrumentProxy,
  kinds: readonly ArrayKind[] = KINDS,
): Promise<{ rawTcp: RoundTrip; remote: Partial<Record<ArrayKind["type"], Outcome>> }> {
  const doubles = sineWave(count);
  const bytes = doubles.byteLength;
  const rawBytes = new Uint8Array(doubles.buffer);
  // The raw echo and the remote kinds take turns, round by round, so that each ratio compares round trips made
  // in the same seconds: run one after the other, the raw echo of 10^6 doubles measured 12 ms in one run and 41 ms
  // in the next, and the kinds after it as far apart.
  const calls: Record<string, () => Promise<unknown>> = { raw: () => raw.roundTrip(rawBytes) };
  const remote: Partial<Record<ArrayKind["type"], Outcome>> = {};
  for (const kind of kinds) {
    const method = methodOf(kind);
    if (!method) remote[kind.type] = notAvailable(kind);
    else {
      const payload = kind.payload(doubles);
      calls[kind.type] = () => remoteEcho[invoke](method, [payload]);
    }
  }
  const medians = await interleavedMedians(calls, rounds, bytes);
  for (const kind of kinds) remote[kind.type] ??= medians[kind.type]!;
  return { rawTcp: medians.raw!, remote };
}

function notAvailable(kind: ArrayKind): Outcome {
  return { notAvailable: `EchoInstrument's service has no ${kind.methods.join(" or ")} yet` };
}

async function eachKind(measure: (kind: ArrayKind) => Promise<Outcome>): Promise<Record<ArrayKind["type"], Outcome>> {
  const outcomes: Partial<Record<ArrayKind["type"], Outcome>> = {};
  for (const kind of KINDS) outcomes[kind.type] = await measure(kind);
  return outcomes as Record<ArrayKind["type"], Outcome>;
}

/** The echo of `doubles` as `kind` through `echo`, or "not available" when the service has no such method. */
async function echoOutcome(echo: EchoInstrumentProxy, kind: ArrayKind, doubles: Float64Array, rounds: number): Promise<Outcome> {
  const method = methodOf(kind);
  if (!method) return notAvailable(kind);
  const payload = kind.payload(doubles);
  return (await interleavedMedians({ echo: () => echo[invoke](method, [payload]) }, rounds, doubles.byteLength)).echo!;
}

/**
 * The median of `rounds` timed calls of each of `calls`, taking turns (one of each per round, in an order that
 * rotates), after one untimed call of each, whose answer must hold `bytes` bytes.
 */
async function interleavedMedians(calls: Record<string, () => Promise<unknown>>, rounds: number, bytes: number): Promise<Record<string, RoundTrip>> {
  const times: Record<string, number[]> = {};
  for (const [name, call] of Object.entries(calls)) {
    const echoed = byteCount(await call());
    if (echoed !== bytes) throw new Error(`${name}: the echo returned ${echoed} bytes for ${bytes}`);
    times[name] = [];
  }
  // Each round starts one further along, so that no call always follows the same one (a `number[]` echo leaves
  // garbage that the collector takes up during the next call).
  const entries = Object.entries(calls);
  const spans: Record<string, [number, number][]> = Object.fromEntries(entries.map(([name]) => [name, []]));
  const collections = new FullCollections();
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < entries.length; j++) {
      const [name, call] = entries[(i + j) % entries.length]!;
      const start = performance.now();
      await call();
      const end = performance.now();
      times[name]!.push(end - start);
      spans[name]!.push([start, end]);
    }
  }
  const fullCollections = countWithin(spans, await collections.stop());
  const medians: Record<string, RoundTrip> = {};
  for (const [name, samples] of Object.entries(times)) {
    const ms = quantile(samples, 0.5);
    medians[name] = { ms, mbPerS: bytes / 1e6 / (ms / 1000), rounds, fullCollections: fullCollections[name]! };
  }
  return medians;
}

/** The payload bytes of an echoed array: 8 per element of a list of doubles, the byte length of a typed array. */
function byteCount(value: unknown): number {
  if (Array.isArray(value)) return value.length * 8;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return Number.NaN;
}

/** A row of the benchmark table (see `run.ts`), with the peer column. */
export interface ArrayRow {
  readonly benchmark: string;
  readonly qmi: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  readonly peer: string;
}

/** Python QMI's payload type for each of qmi-ts's. */
const PEER_TYPE: Readonly<Record<ArrayKind["type"], keyof Omit<PeerFigures, "doubles">>> = {
  "number[]": "list",
  Uint8Array: "bytes",
  Float64Array: "numpy",
};

/**
 * The table rows of benchmark 11: a heading that says what the figures are, then per size and array type one
 * row in-process, one remote (next to the raw TCP echo and Python QMI's figure, each with its ratio to it), one
 * remote between processes on the built package (next to the raw echo measured in turn with it) and, for 10^6
 * doubles as `Float64Array`, two for a stream of traces (that echo and the raw one alone, with the default heap and
 * with a tuned one).
 */
export function arrayRows(
  figures: readonly ArrayFigures[],
  peer: readonly PeerFigures[] | string,
  built: readonly BuiltArrayFigures[] | string,
  stream: TraceStreamFigures | string,
): ArrayRow[] {
  const rows: ArrayRow[] = [
    heading("11 arrays: median ms per round trip · MB/s = bytes each way ÷ round trip"),
  ];
  for (const size of figures) {
    const peerSize = typeof peer === "string" ? undefined : peer.find((p) => p.doubles === size.doubles);
    for (const kind of KINDS) {
      const label = `11 ${methodOf(kind) ?? kind.methods[0]} ${kind.type}, ${powerOfTen(size.doubles)} doubles (${megabytes(size.bytes)})`;
      rows.push({ ...heading(`${label}, in-process`), qmi: cell(size.inProcess[kind.type]) });
      const remote = size.remote[kind.type];
      const peerCell = peerSize ? peerColumn(PEER_TYPE[kind.type], peerSize[PEER_TYPE[kind.type]], size.rawTcp) : (peer as string);
      rows.push({
        benchmark: `${label}, remote (${size.path})`,
        qmi: cell(remote),
        baseline: `raw TCP echo ${cell(size.rawTcp)}`,
        ratio: "ms" in remote ? `${round(remote.ms / size.rawTcp.ms)}×` : "",
        goal: "",
        peer: peerCell,
      });
      const builtSize = typeof built === "string" ? undefined : built.find((b) => b.doubles === size.doubles);
      const builtRemote = builtSize?.remote[kind.type];
      rows.push({
        benchmark: `${label}, remote, built package (${size.path})`,
        qmi: builtRemote ? cell(builtRemote) : typeof built === "string" ? built : "not measured",
        baseline: builtSize ? `raw TCP echo ${cell(builtSize.rawTcp)}` : "",
        ratio: builtSize && builtRemote && "ms" in builtRemote ? `${round(builtRemote.ms / builtSize.rawTcp.ms)}×` : "",
        goal: kind.type === "Float64Array" && size.doubles === 1_000_000 ? "≤ 2×" : "",
        peer: builtSize && peerSize ? peerColumn(PEER_TYPE[kind.type], peerSize[PEER_TYPE[kind.type]], builtSize.rawTcp) : "",
      });
      if (kind.type === "Float64Array") rows.push(...traceStreamRows(label, size.doubles, stream, peerSize?.numpy));
    }
  }
  return rows;
}

/** The rows of the stream of traces of `doubles`, if it was measured at that size. */
function traceStreamRows(label: string, doubles: number, stream: TraceStreamFigures | string, numpy: Outcome | undefined): ArrayRow[] {
  if (typeof stream === "string") return doubles === 1_000_000 ? [{ ...heading(`${label}, remote, built package, a stream of traces`), qmi: stream }] : [];
  const rows: ArrayRow[] = [];
  for (const [heap, figures] of [["default heap", stream.defaultHeap], [`heap tuned (${TUNED_HEAP_FLAGS.join(" ")})`, stream.tunedHeap]] as const) {
    const size = typeof figures === "string" ? undefined : figures.find((f) => f.doubles === doubles);
    const remote = size?.remote.Float64Array;
    if (typeof figures !== "string" && !size) continue;
    rows.push({
      benchmark: `${label}, remote, built package, a stream of traces, ${heap}`,
      qmi: remote ? cell(remote) : typeof figures === "string" ? figures : "not measured",
      baseline: size ? `raw TCP echo ${cell(size.rawTcp)}` : "",
      ratio: size && remote && "ms" in remote ? `${round(remote.ms / size.rawTcp.ms)}×` : "",
      goal: "",
      peer: size && numpy ? peerColumn("numpy", numpy, size.rawTcp) : "",
    });
  }
  return rows;
}

function heading(benchmark: string): ArrayRow {
  return { benchmark, qmi: "", baseline: "", ratio: "", goal: "", peer: "" };
}

function peerColumn(type: string, outcome: Outcome | undefined, raw: RoundTrip): string {
  if (outcome === undefined) return "not measured";
  const ratio = "ms" in outcome ? ` (${round(outcome.ms / raw.ms)}× raw)` : "";
  return `${type}: ${cell(outcome)}${ratio}`;
}

function cell(outcome: Outcome): string {
  if ("ms" in outcome) {
    const collections = outcome.fullCollections ? ` · ${outcome.fullCollections} full GCs in ${outcome.rounds}` : "";
    return `${round(outcome.ms)} ms · ${round(outcome.mbPerS)} MB/s${collections}`;
  }
  return "failed" in outcome ? `failed: ${outcome.failed}` : "not available";
}

function powerOfTen(n: number): string {
  const exponent = Math.log10(n);
  return Number.isInteger(exponent) ? `10^${exponent}` : String(n);
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${round(bytes / 1e6)} MB` : `${round(bytes / 1e3)} kB`;
}
