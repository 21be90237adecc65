/**
 * Soak: runs two contexts (a server hosting an NSG, a client) in this process for a bounded time, cycling
 * through everything a long-running lab does — calls on both call paths, leased locks, signal subscriptions,
 * connect/disconnect, refused and timed-out calls, undecodable raw requests — and checks that the heap (after a
 * full GC) and the count of active handles stay flat.
 *
 * `npm run soak` (120 s), `npm run soak -- --seconds 600`, `npm run soak -- --smoke` (5 s). Prints one line per
 * sample and a summary; exits 1 when, between the first and the last quarter of the samples, the median heap grew
 * more than {@link HEAP_TOLERANCE} (relative) + {@link HEAP_SLACK_MIB}, or the median handle count grew by more
 * than {@link HANDLE_TOLERANCE}.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseArgs } from "node:util";
import { Client, credentials } from "@grpc/grpc-js";
import { Context, DeadlineError, NotOpenError, SignalReceiver } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

/** Relative heap growth allowed between the first and last quarter. */
export const HEAP_TOLERANCE = 0.15;
/** Absolute heap growth allowed on top, MiB. */
export const HEAP_SLACK_MIB = 4;
/** Handle growth allowed. */
export const HANDLE_TOLERANCE = 4;

const { values } = parseArgs({ options: { seconds: { type: "string" }, smoke: { type: "boolean" } } });
const seconds = values.smoke ? 5 : Number(values.seconds ?? 120);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, found ${values.seconds}`);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Quiet: each abandoned timed-out call logs a warning, by design.
const quiet = { discovery: { enabled: false }, logging: { console_loglevel: "ERROR" } };
const server = await Context.start("soak_server", { config: quiet });
const nsgLocal = await server.makeInstrument("nsg", NoisySineGenerator);
await nsgLocal.open();
const client = await Context.start("soak_client", { config: quiet });
const raw = new Client(server.address, credentials.createInsecure());
const counts = { cycles: 0, calls: 0, refused: 0, timedOut: 0, signals: 0, reconnects: 0, rawBad: 0 };

/** One cycle of the workload, on `path` for calls to objects. */
async function cycle(path: "unary" | "channel"): Promise<void> {
  process.env.QMI_CALL_PATH = path;
  await client.connectToPeer("soak_server", { address: server.address });
  counts.reconnects++;
  const nsg = await client.getInstrument("soak_server.nsg", NoisySineGeneratorProxy, { timeout: 10 });
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) calls.push(nsg.getSample(), nsg.setAmplitude(i));
  await Promise.all(calls);
  counts.calls += calls.length;
  if (await nsg.lock({ lease: true, timeout: 5 })) await nsg.unlock();
  counts.calls += 2;
  const receiver = new SignalReceiver({ maxQueueLength: 10 });
  const subscription = await nsg.subscribe("sampleTaken", receiver);
  for (let i = 0; i < 20; i++) await nsgLocal.getSample();
  while (receiver.offeredCount < 20) await receiver.getNextSignal(5).then(() => undefined, () => undefined);
  counts.signals += receiver.offeredCount;
  subscription.unsubscribe();
  await nsg.wait(5, { timeout: 0.01 }).catch((e: unknown) => (e instanceof DeadlineError ? counts.timedOut++ : Promise.reject(e)));
  await new Promise<void>((resolve) =>
    raw.makeUnaryRequest(`/${"qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator"}/SetAmplitude`, (b: Buffer) => b, (b: Buffer) => b,
      Buffer.from([0x0a, 0xff, 0xff]), { deadline: Date.now() + 2000 }, () => resolve()),
  );
  counts.rawBad++;
  client.disconnectFromPeer("soak_server");
  counts.cycles++;
}

/** Also a refused call: the instrument closed for a moment. */
async function refusedCall(): Promise<void> {
  const nsg = await server.getInstrument("soak_server.nsg", NoisySineGeneratorProxy);
  await nsg.close();
  await nsg.getSample().catch((e: unknown) => (e instanceof NotOpenError ? counts.refused++ : Promise.reject(e)));
  await nsg.open();
}

const samples: { t: number; heapMiB: number; handles: number }[] = [];
const started = performance.now();
const sampleEvery = Math.max(0.5, seconds / 40) * 1000;
let nextSample = started + Math.min(2000, sampleEvery); // a short warm-up before the first sample
let paths = 0;
while (performance.now() - started < seconds * 1000) {
  await cycle(paths++ % 2 === 0 ? "channel" : "unary");
  if (paths % 10 === 0) await refusedCall();
  if (performance.now() >= nextSample) {
    await sleep(20); // let closed streams and sockets finish closing
    gc();
    const sample = {
      t: (performance.now() - started) / 1000,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
      handles: process.getActiveResourcesInfo().filter((r) => r !== "Timeout" && r !== "Immediate").length,
    };
    samples.push(sample);
    console.log(`t=${sample.t.toFixed(1)}s heap=${sample.heapMiB.toFixed(1)} MiB handles=${sample.handles} cycles=${counts.cycles}`);
    nextSample += sampleEvery;
  }
}
delete process.env.QMI_CALL_PATH;
raw.close();
await client.stop();
await server.stop();

const quarter = Math.max(1, Math.floor(samples.length / 4));
const first = samples.slice(0, quarter);
const last = samples.slice(-quarter);
const heapFirst = median(first.map((s) => s.heapMiB));
const heapLast = median(last.map((s) => s.heapMiB));
const handlesFirst = median(first.map((s) => s.handles));
const handlesLast = median(last.map((s) => s.handles));
const heapLimit = heapFirst * (1 + HEAP_TOLERANCE) + HEAP_SLACK_MIB;
const ok = samples.length >= 2 && heapLast <= heapLimit && handlesLast <= handlesFirst + HANDLE_TOLERANCE;
console.log(
  `soak ${seconds} s: ${JSON.stringify(counts)}\n` +
    `heap (median after GC) ${heapFirst.toFixed(1)} -> ${heapLast.toFixed(1)} MiB (limit ${heapLimit.toFixed(1)}); ` +
    `handles ${handlesFirst} -> ${handlesLast} (limit ${handlesFirst + HANDLE_TOLERANCE}); ${samples.length} samples: ${ok ? "FLAT" : "GROWING"}`,
);
process.exit(ok ? 0 : 1);
