/**
 * `record()`: signals of the recording context and of a peer (two real contexts on 127.0.0.1) recorded to HDF5
 * files read back by `readDataSet` and by Debian's h5py, with exact values in publication order and the provenance
 * attributes; a burst faster than the recorder writes, with bounded memory and `recorded + dropped` exact; the
 * refusals before anything is written; `stop()` twice and without any signal.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, describe, it } from "node:test";
import * as qmi from "qmi-ts";
import { Context, QMI_VERSION, record, UnknownNameError, InvalidArgumentError } from "qmi-ts";
import { readDataSet, type DataSet } from "qmi-ts/data";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGenerator, type Sample } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { until } from "../helpers/process-usage.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";
import { withinSeconds } from "../helpers/within.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const PYTHON = "/usr/bin/python3";
const hasH5py = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { timeout: 30_000 }).status === 0;

const dir = mkdtempSync(join(tmpdir(), "qmi-record-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const column = (set: DataSet, name: string) => [...set.columns.find((c) => c.name === name)!.data];

function nsgOf(context: Context): NoisySineGenerator {
  return context.objects.get("nsg")!.instance as NoisySineGenerator;
}

describe("record", () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("rec_server", { config: null });
    client = await Context.start("rec_client", { config: null });
    await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
    await (await server.makeInstrument("echo", EchoInstrument)).open();
    await client.connectToPeer(server.name, { address: server.address });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("records a signal of its own context with exact values in order, and the provenance attributes", async () => {
    const file = join(dir, "local.h5");
    await nsgOf(server).setFrequency(7.5);
    await nsgOf(server).setAmplitude(2);
    await nsgOf(server).setNoise(0.25);
    const recorder = await record({ context: server, signals: ["rec_server.nsg.sampleTaken"], file, attributes: { operator: "ada" } });
    const nsg = await server.getInstrument("rec_server.nsg", NoisySineGenerator);
    const receiver = new qmi.SignalReceiver<Sample>();
    const subscription = await nsg.subscribe("sampleTaken", receiver);
    await nsg.getSample();
    await nsg.getSample();
    const fromCalls = [(await receiver.getNextSignal(5)).args, (await receiver.getNextSignal(5)).args];
    subscription.unsubscribe();
    const published = [...fromCalls, ...Array.from({ length: 10_000 }, (_, i) => ({ t: 1e9 + i / 3, value: Math.sin(i) * 1e-300 }))];
    for (const sample of published.slice(2)) nsgOf(server).sampleTaken.publish(sample);
    const summary = await withinSeconds(recorder.stop(), 10, "stop");

    assert.equal(summary.recorded, published.length);
    assert.equal(summary.dropped, 0);
    assert.equal(summary.bytesWritten, published.length * 24);
    const set = await readDataSet(file, "rec_server.nsg.sampleTaken");
    assert.deepEqual(set.columns.map((c) => [c.name, c.data.constructor.name, c.unit]), [["time", "Float64Array", "s"], ["t", "Float64Array", ""], ["value", "Float64Array", ""]]);
    assert.deepEqual(column(set, "t"), published.map((s) => s.t));
    assert.deepEqual(column(set, "value"), published.map((s) => s.value));
    const times = column(set, "time") as number[];
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), "time never goes back");
    assert.ok(times[0]! >= summary.startTime && times.at(-1)! <= summary.stopTime, "times lie within the recording");

    const a = set.attributes;
    assert.equal(a.qmi_ts_version, QMI_VERSION);
    assert.equal(a.context, "rec_server");
    assert.equal(a.publisher, "rec_server.nsg");
    assert.equal(a.object, "nsg");
    assert.equal(a.signal, "sampleTaken");
    assert.equal(a.driver_class, "NoisySineGenerator");
    assert.deepEqual(JSON.parse(a.configuration as string), JSON.parse(JSON.stringify(server.config)));
    assert.equal(a.start_time, summary.startTime);
    assert.equal(a.stop_time, summary.stopTime);
    assert.equal(a.ended, undefined, "no subscription ended before stop()");
    assert.deepEqual(JSON.parse(a.settings as string), { getFrequency: 7.5, getAmplitude: 2, getNoise: 0.25 }, "the getters marked for snapshots");
    assert.equal(a.dropped, 0n);
    assert.equal(a.operator, "ada");
    assert.equal(set.timestamp, summary.startTime);
  });

  it("takes each publisher's settings snapshot, over the network too, with a failing getter's error in its place", async () => {
    const file = join(dir, "snapshot.h5");
    await server.makeInstrument("closed_nsg", NoisySineGenerator); // never opened: its getters refuse
    try {
      const recorder = await record({ context: client, signals: ["rec_server.closed_nsg.sampleTaken", "rec_server.nsg.sampleTaken"], file });
      await withinSeconds(recorder.stop(), 10, "stop");
      const closed = JSON.parse((await readDataSet(file, "rec_server.closed_nsg.sampleTaken")).attributes.settings as string) as Record<string, { error: string }>;
      assert.deepEqual(Object.keys(closed), ["getFrequency", "getAmplitude", "getNoise"]);
      for (const result of Object.values(closed)) assert.match(result.error, /^NotOpenError: /);
      const open = JSON.parse((await readDataSet(file, "rec_server.nsg.sampleTaken")).attributes.settings as string) as Record<string, number>;
      assert.deepEqual(Object.keys(open), ["getFrequency", "getAmplitude", "getNoise"]);
      assert.equal(open.getFrequency, await (await client.getInstrument("rec_server.nsg", NoisySineGenerator)).getFrequency());
    } finally {
      await server.removeInstrument("closed_nsg");
    }
  });

  it("records a peer's signal, complete and in order, read back by readDataSet and by h5py", async (t) => {
    const file = join(dir, "remote.h5");
    const recorder = await record({ context: client, signals: ["rec_server.nsg.sampleTaken"], file });
    const count = 20_000;
    for (let i = 0; i < count; i += 1000) {
      for (let j = i; j < i + 1000; j++) nsgOf(server).sampleTaken.publish({ t: j, value: j * 0.5 });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => { const c = recorder.counters().signals[0]!; return c.recorded + c.buffered + c.dropped === count; }, 20, "the peer's signals");
    assert.equal(recorder.counters().dropped, 0);
    const summary = await withinSeconds(recorder.stop(), 10, "stop");
    assert.equal(summary.recorded, count);
    const set = await readDataSet(file, "rec_server.nsg.sampleTaken");
    assert.deepEqual(column(set, "t"), Array.from({ length: count }, (_, i) => i));
    assert.deepEqual(column(set, "value"), Array.from({ length: count }, (_, i) => i * 0.5));
    assert.equal(set.attributes.context, "rec_client");
    assert.equal(set.attributes.publisher, "rec_server.nsg");
    assert.equal(set.attributes.driver_class, "NoisySineGenerator");

    if (skipUnlessPresent(hasH5py ? false : `${PYTHON} with h5py and numpy is absent (test/setup.sh installs python3-h5py when run as root)`)) {
      t.skip("no h5py");
      return;
    }
    const script = [
      "import h5py, json, sys",
      "g = h5py.File(sys.argv[1], 'r')['rec_server.nsg.sampleTaken']",
      "t, v = g['t'][:], g['value'][:]",
      "print(json.dumps({'dtype': str(t.dtype), 'n': len(t), 'ok': bool((t == range(len(t))).all() and (v == t * 0.5).all()),",
      "  'attrs': {k: (g.attrs[k].decode() if isinstance(g.attrs[k], bytes) else str(g.attrs[k])) for k in ('publisher', 'driver_class', 'qmi_ts_version', 'dropped', 'signal')}}))",
    ].join("\n");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, ["-c", script, file], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.deepEqual(JSON.parse(out), {
      dtype: "float64",
      n: count,
      ok: true,
      attrs: { publisher: "rec_server.nsg", driver_class: "NoisySineGenerator", qmi_ts_version: QMI_VERSION, dropped: "0", signal: "sampleTaken" },
    });
  });

  it("drops what a burst brings beyond its buffer, counting exactly, in bounded memory", async () => {
    const file = join(dir, "burst.h5");
    const bufferRows = 10_000;
    const recorder = await record({ context: server, signals: ["rec_server.nsg.sampleTaken"], file, bufferRows });
    const nsg = nsgOf(server);
    // One event-loop turn: the recorder cannot write before it ends, so all but bufferRows are dropped.
    const burst = 1_000_000;
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < burst; i++) nsg.sampleTaken.publish({ t: i, value: i });
    gc();
    const after = process.memoryUsage();
    const heapGrowth = after.heapUsed - before.heapUsed;
    const bufferGrowth = after.arrayBuffers - before.arrayBuffers;
    let c = recorder.counters().signals[0]!;
    assert.equal(c.dropped, burst - bufferRows);
    assert.equal(c.buffered, bufferRows);
    // Then a sustained load for a second, a turn of the event loop between batches: written as it comes.
    let published = burst;
    const started = performance.now();
    while (performance.now() - started < 1000) {
      for (let j = 0; j < 2000; j++) nsg.sampleTaken.publish({ t: published, value: published++ });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    const summary = await withinSeconds(recorder.stop(), 10, "stop");
    c = summary.signals[0]!;
    assert.equal(c.recorded + c.dropped, published, "recorded + dropped === published");
    const set = await readDataSet(file, "rec_server.nsg.sampleTaken");
    const values = column(set, "value") as number[];
    assert.equal(values.length, c.recorded);
    assert.deepEqual(values.slice(0, bufferRows), Array.from({ length: bufferRows }, (_, i) => i), "the burst's first rows, in order");
    assert.ok(values.every((v, i) => i === 0 || v > values[i - 1]!), "rows stay in publication order");
    assert.equal(set.attributes.dropped, BigInt(c.dropped));
    console.log(
      `burst of ${burst}: heap ${(heapGrowth / 2 ** 20).toFixed(1)} MiB, array buffers ${(bufferGrowth / 2 ** 20).toFixed(2)} MiB; sustained: ${((published - burst) / seconds / 1000).toFixed(0)} k signals/s published, ` +
        `${(c.recorded - bufferRows)} recorded, ${c.dropped - (burst - bufferRows)} dropped`,
    );
    // The rows wait in typed arrays: 10^4 rows of 24 bytes in 4096-row chunks, about 0.3 MB.
    assert.ok(bufferGrowth < 2 * 2 ** 20, `a burst of ${burst} signals grew the array buffers by ${bufferGrowth} bytes`);
    assert.ok(heapGrowth < 16 * 2 ** 20, `a burst of ${burst} signals grew the heap by ${heapGrowth} bytes`);
  });

  it("records a peer's typed-array payloads as rows of their width, and drops a trace of another length, counted", async (t) => {
    const file = join(dir, "traces.h5");
    const signal = "rec_server.echo.traceTaken";
    const recorder = await record({ context: client, signals: [signal], file, widths: { [signal]: { samples: 4, counts: 4 } } });
    const echo = server.objects.get("echo")!.instance as EchoInstrument;
    const good = (i: number) => ({ interval: i / 10, samples: Float64Array.of(i, -i, i === 1 ? NaN : i / 3, -0), counts: Int16Array.of(i, -32768, 32767, -i) });
    const published = [good(0), good(1), { ...good(9), samples: Float64Array.of(1, 2, 3) }, { ...good(9), counts: new Int16Array(5) }, good(2)];
    for (const trace of published) echo.traceTaken.publish(trace);
    await until(() => { const c = recorder.counters().signals[0]!; return c.recorded + c.buffered + c.dropped === published.length; }, 10, "the peer's traces");
    const summary = await withinSeconds(recorder.stop(), 10, "stop");
    assert.deepEqual(summary.signals.map(({ recorded, dropped, mismatched }) => ({ recorded, dropped, mismatched })), [{ recorded: 3, dropped: 2, mismatched: 2 }]);
    assert.equal(summary.bytesWritten, 3 * (8 + 8 + 4 * 8 + 4 * 2));
    const set = await readDataSet(file, signal);
    assert.deepEqual(set.columns.map((c) => [c.name, c.type, c.width]), [["time", "float64", undefined], ["interval", "float64", undefined], ["samples", "float64", 4], ["counts", "int16", 4]]);
    const kept = [good(0), good(1), good(2)];
    assert.deepEqual(column(set, "interval"), kept.map((k) => k.interval));
    const samples = set.columnOrThrow("samples").data;
    const expected = kept.flatMap((k) => [...k.samples]);
    assert.equal(samples.length, expected.length);
    expected.forEach((x, i) => assert.ok(Object.is(samples[i], x), `samples[${i}]: ${samples[i]} !== ${x}`));
    assert.deepEqual(column(set, "counts"), kept.flatMap((k) => [...k.counts]));
    assert.equal(set.attributes.dropped, 2n);
    assert.equal(set.attributes.mismatched, 2n);

    if (skipUnlessPresent(hasH5py ? false : `${PYTHON} with h5py and numpy is absent (test/setup.sh installs python3-h5py when run as root)`)) {
      t.skip("no h5py");
      return;
    }
    const script = "import h5py, json, sys\ng = h5py.File(sys.argv[1], 'r')[sys.argv[2]]\nprint(json.dumps({k: [list(g[k].shape), str(g[k].dtype), g[k][...].tolist()] for k in ('samples', 'counts')}))";
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, ["-c", script, file, signal], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.deepEqual(JSON.parse(out.replaceAll("NaN", "null")), {
      samples: [[3, 4], "float64", kept.map((k) => [...k.samples].map((x) => (Number.isNaN(x) ? null : x)))],
      counts: [[3, 4], "int16", kept.map((k) => [...k.counts])],
    });
  });

  it("stops twice with the same summary, and records no signal as an empty data set", async () => {
    const file = join(dir, "empty.h5");
    const recorder = await record({ context: client, signals: ["rec_server.nsg.sampleTaken"], file });
    const first = await withinSeconds(recorder.stop(), 10, "first stop");
    const second = await withinSeconds(recorder.stop(), 10, "second stop");
    assert.deepEqual(second, first);
    assert.equal(first.recorded, 0);
    const set = await readDataSet(file, "rec_server.nsg.sampleTaken");
    assert.equal(set.rowCount, 0);
    assert.equal(set.attributes.stop_time, first.stopTime);
    assert.equal(set.attributes.dropped, 0n);
  });

  it("refuses unknown and malformed signals and unrecordable payloads before creating the file", async () => {
    const file = join(dir, "refused.h5");
    const refusals: [[string, ...(string | Record<string, number>)[]], RegExp, new (...args: never[]) => Error][] = [
      [["rec_server.nsg.sampleTaken", "rec_server.nsg.sampleTakn"], /rec_server\.nsg \(NoisySineGenerator\) has no signal sampleTakn .*signals: sampleTaken/, UnknownNameError],
      [["rec_server.nope.sampleTaken"], /no object named nope/, UnknownNameError],
      [["nsg.sampleTaken"], /not a signal address; write "<context>\.<object>\.<signal>"/, InvalidArgumentError],
      [["rec_server.nsg.sampleTaken", "rec_server.nsg.sampleTaken"], /listed twice/, InvalidArgumentError],
      [["rec_server.echo.traceTaken"], /field "samples" is a Float64Array, whose length the recorder must know before the first signal; give it as record\(\)'s widths option, e\.g\. widths: \{ "rec_server\.echo\.traceTaken": \{ "samples": 1000 \} \}/, InvalidArgumentError],
      [["rec_server.echo.traceTaken", { samples: 4, counts: 4, count: 4 }], /widths name "count", which is not a typed-array field of its payload \(its typed-array fields: samples, counts\)/, InvalidArgumentError],
      [["rec_server.echo.traceTaken", { samples: 4, counts: 0 }], /the width of field "counts" must be an integer from 1 to 2\^24/, InvalidArgumentError],
      [["rec_server.echo.traceTaken", { samples: 4, interval: 4 }], /field "counts" is an Int16Array, whose length the recorder must know/, InvalidArgumentError],
    ];
    for (const [[first, ...rest], message, type] of refusals) {
      const signals = [first, ...rest.filter((s) => typeof s === "string")];
      const fields = rest.find((s) => typeof s === "object");
      const widths = fields ? { [first]: fields } : undefined;
      await assert.rejects(record({ context: client, signals, file, widths }), (error: Error) => {
        assert.ok(error instanceof type, `${signals.join(", ")}: ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
      assert.equal(existsSync(file), false, `no file after refusing ${signals.join(", ")}`);
    }
    await assert.rejects(record({ context: client, signals: ["rec_server.nsg.sampleTaken"], file, widths: { "rec_server.echo.traceTaken": { samples: 4 } } }), /widths name signal "rec_server\.echo\.traceTaken", which is not among the signals recorded/);
    await assert.rejects(record({ signals: ["a.b.c"], file }), /No context is running/);
  });

  it("records through the running context when none is given", async () => {
    const file = join(dir, "singleton.h5");
    await qmi.start("rec_singleton", { config: null });
    try {
      await qmi.makeInstrument("nsg", NoisySineGenerator);
      const recorder = await qmi.record({ signals: ["rec_singleton.nsg.sampleTaken"], file });
      nsgOf(qmi.context()).sampleTaken.publish({ t: 1, value: 2 });
      await recorder.stop();
      const set = await readDataSet(file, "rec_singleton.nsg.sampleTaken");
      assert.deepEqual([column(set, "t"), column(set, "value")], [[1], [2]]);
    } finally {
      await qmi.stop();
    }
  });
});
