/**
 * `qmi record` recording a lab context of this process (NoisySineGenerators publishing counted sequences): as a
 * process until SIGINT, exiting 0 with the summary and a file read back by `readDataSet` holding every signal
 * recorded, in order; as a process whose file cannot grow (a file size limit), exiting 1 with the error; in this
 * process, `--duration` with the progress line rewritten in place, two signals until SIGTERM, and the refusals of
 * bad usage and unknown signals (exit status 2, nothing written).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Context } from "qmi-ts";
import { readDataSet, type DataSet } from "qmi-ts/data";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { ROOT, watchProcess, type Child } from "../helpers/child-context.ts";
import { qmiInProcess } from "../helpers/cli-in-process.ts";
import { QMI } from "../helpers/proc-harness.ts";
import { until } from "../helpers/process-usage.ts";
import { withinSeconds } from "../helpers/within.ts";
import { runRecord, type RecordCommandOptions } from "../../cli/record-command.ts";

const LAB = "rec_cli_lab";
const SIGNAL = `${LAB}.nsg.sampleTaken`;
const TRACE = `${LAB}.echo.traceTaken`;
const dir = mkdtempSync(join(tmpdir(), "qmi-record-cli-"));
const children: Child[] = [];
let lab: Context;
let publisher: NodeJS.Timeout;
let config: string;

/** Publishes `{ t: i, value: i / 2 }` with i = 0, 1, 2, ... on `nsg` (and `-i` on `nsg2`) every 5 ms. */
function publish(): void {
  const nsg = lab.objects.get("nsg")!.instance as NoisySineGenerator;
  const nsg2 = lab.objects.get("nsg2")!.instance as NoisySineGenerator;
  let i = 0;
  publisher = setInterval(() => {
    for (let j = 0; j < 5; j++, i++) {
      nsg.sampleTaken.publish({ t: i, value: i / 2 });
      nsg2.sampleTaken.publish({ t: -i, value: i });
    }
  }, 5);
}

/** Starts `qmi record ...args` as a process, in a shell first running `prelude` when given. */
function startRecord(args: readonly string[], prelude?: string): Child {
  const command = [process.execPath, QMI, "record", ...args];
  const child = prelude
    ? watchProcess("/bin/bash", ["-c", `${prelude}; exec ${command.map((a) => `'${a}'`).join(" ")}`], process.env, ROOT)
    : watchProcess(command[0]!, command.slice(1), process.env, ROOT);
  children.push(child);
  return child;
}

/** Runs `qmi record ...args` in this process; `text()` is what it printed so far (both streams). */
function runInProcess(args: readonly string[], options: RecordCommandOptions = {}): { done: Promise<{ code: number; text: string }>; text(): string } {
  let text = "";
  const output = { out: (more: string) => void (text += more), err: (more: string) => void (text += more) };
  const done = runRecord(args, output, options).then((code) => ({ code, text }));
  return { done: withinSeconds(done, 60, `qmi record ${args.join(" ")}`), text: () => text };
}

const column = (set: DataSet, name: string) => [...set.columns.find((c) => c.name === name)!.data] as number[];

/** Checks that `file` holds `rows` signals of `signal` as published: consecutive, complete, in order. */
async function assertRecorded(file: string, signal: string, rows: number, sign = 1): Promise<DataSet> {
  const set = await readDataSet(file, signal);
  assert.equal(set.rowCount, rows);
  assert.ok(rows > 0, "signals were recorded");
  const t = column(set, "t");
  assert.ok(t.every((value, i) => i === 0 || value === t[i - 1]! + sign), `${signal}: t runs on by ${sign}, none lost or reordered`);
  assert.deepEqual(column(set, "value"), t.map((value) => (sign > 0 ? value / 2 : -value)));
  assert.equal(set.attributes.context, "qmi_record");
  assert.equal(set.attributes.publisher, signal.split(".").slice(0, 2).join("."));
  assert.equal(typeof set.attributes.stop_time, "number");
  return set;
}

describe("qmi record", { concurrency: true }, () => {
  before(async () => {
    lab = await Context.start(LAB, { config: null });
    await lab.makeInstrument("nsg", NoisySineGenerator);
    await lab.makeInstrument("nsg2", NoisySineGenerator);
    await lab.makeInstrument("burst", NoisySineGenerator);
    await lab.makeInstrument("echo", EchoInstrument);
    config = join(dir, "qmi.conf");
    writeFileSync(config, JSON.stringify({ discovery: { enabled: false }, contexts: { [LAB]: { host: "127.0.0.1", tcp_server_port: lab.tcpServerPort } } }));
    publish();
  });
  after(async () => {
    for (const child of children) child.kill();
    clearInterval(publisher);
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records until SIGINT (finding the context in --config), then prints the summary and exits 0", async () => {
    const file = join(dir, "sigint.h5");
    const child = startRecord([SIGNAL, "--out", file, "--config", config]);
    await child.waitForLine(/^Recording 1 signal to .*sigint\.h5 until Ctrl-C$/, 30);
    await child.waitForLine(/^\d+ s: [1-9]\d* recorded \(\d+\/s\), 0 dropped, \d+\.\d kB$/, 20);
    child.process.kill("SIGINT");
    assert.equal(await child.waitForExit(20), 0, child.output());
    const [, count] = child.output().match(/^Stopped by SIGINT: (\d+) signals recorded in \d+\.\d s, 0 dropped, .* in .*sigint\.h5$/m) ?? assert.fail(child.output());
    assert.match(child.output(), new RegExp(`^  ${SIGNAL.replaceAll(".", "\\.")}  ${count} recorded, 0 dropped$`, "m"));
    await assertRecorded(file, SIGNAL, Number(count));
  });

  it("ends with exit status 1 and the error when the file cannot grow", async () => {
    const file = join(dir, "full.h5");
    // SIGXFSZ ignored: writes past 200 KiB fail with EFBIG.
    const child = startRecord([`${LAB}.burst.sampleTaken`, "--out", file, "--address", lab.address, "--config", config], 'trap "" XFSZ; ulimit -f 200');
    await child.waitForLine(/^Recording 1 signal/, 30);
    const nsg = lab.objects.get("burst")!.instance as NoisySineGenerator;
    for (let i = 0; i < 20 && child.process.exitCode === null; i++) {
      for (let j = 0; j < 2000; j++) nsg.sampleTaken.publish({ t: -1, value: -1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await child.waitForExit(20), 1, child.output());
    assert.match(child.output(), /^qmi record: DataFileError: Cannot append to column .* in data file .*full\.h5: File too large$/m);
    assert.match(child.output(), /^qmi record: recording ended; .*full\.h5 holds what was flushed before the failure/m);
    assert.doesNotMatch(child.output(), /^Stopped/m);
  });

  describe("in this process", { concurrency: false }, () => {
    it("stops by itself after --duration seconds, the progress line rewritten in place on a terminal", async () => {
      const file = join(dir, "duration.h5");
      const run = await runInProcess([SIGNAL, "--out", file, "--duration", "1.2", "--address", lab.address, "--config", config], { interactive: true }).done;
      assert.equal(run.code, 0, run.text);
      const shape = /^Recording 1 signal to .*duration\.h5 for 1\.2 s \(Ctrl-C stops earlier\)\n\r\x1b\[K1 s: \d+ recorded \(\d+\/s\), 0 dropped, [\d.]+ kB\r\x1b\[KStopped after 1\.2 s: (\d+) signals recorded/;
      const count = Number(run.text.match(shape)?.[1] ?? assert.fail(JSON.stringify(run.text)));
      const set = await assertRecorded(file, SIGNAL, count);
      // start_time is taken before the file is made (and h5wasm loaded, seconds under tsx); the rows show the 1.2 s.
      assert.ok((set.attributes.stop_time as number) - (set.attributes.start_time as number) >= 1.2);
      const times = column(set, "time");
      const span = times.at(-1)! - times[0]!;
      assert.ok(span > 0.6 && span < 3, `signals received over ${span} s`);
    });

    it("records two signals until SIGTERM (finding the context by --address)", async () => {
      const file = join(dir, "sigterm.h5");
      const second = `${LAB}.nsg2.sampleTaken`;
      const running = runInProcess([SIGNAL, second, "--out", file, "--address", `${LAB}=${lab.address}`, "--config", config]);
      await until(() => /^\d+ s: [1-9]\d* recorded/m.test(running.text()), 20, "a progress line with signals recorded");
      process.kill(process.pid, "SIGTERM");
      const run = await withinSeconds(running.done, 20, "qmi record after SIGTERM");
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /^Stopped by SIGTERM: \d+ signals recorded/m);
      const counts = [SIGNAL, second].map((signal) => Number(run.text.match(new RegExp(`^  ${signal.replaceAll(".", "\\.")}\\s+(\\d+) recorded, 0 dropped$`, "m"))?.[1]));
      await assertRecorded(file, SIGNAL, counts[0]!);
      await assertRecorded(file, second, counts[1]!, -1);
    });

    it("records a trace's typed-array fields as rows of the --width given, dropping a trace of another length", async () => {
      const file = join(dir, "traces.h5");
      const running = runInProcess([TRACE, "--out", file, "--width", `${TRACE}.samples=4`, "--width", `${TRACE}.counts=4`, "--duration", "1", "--address", lab.address, "--config", config]);
      await until(() => /^Recording 1 signal/m.test(running.text()), 20, "the recording to start");
      const echo = lab.objects.get("echo")!.instance as EchoInstrument;
      const traces = [0, 1, 2].map((i) => ({ interval: 1e-3 * (i + 1), samples: Float64Array.of(i, NaN, -0, 1e300), counts: Int16Array.of(i, -32768, 32767, 7) }));
      echo.traceTaken.publish(traces[0]!);
      echo.traceTaken.publish({ interval: 1, samples: new Float64Array(5), counts: new Int16Array(5) }); // another length
      echo.traceTaken.publish(traces[1]!);
      echo.traceTaken.publish(traces[2]!);
      const run = await running.done;
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, new RegExp(`^  ${TRACE.replaceAll(".", "\\.")}\\s+3 recorded, 1 dropped$`, "m"));
      const set = await readDataSet(file, TRACE);
      assert.equal(set.rowCount, 3);
      assert.deepEqual(column(set, "interval"), [1e-3, 2e-3, 3e-3]);
      const samples = set.columns.find((c) => c.name === "samples")!;
      assert.deepEqual([samples.width, samples.data.constructor.name], [4, "Float64Array"]);
      assert.deepEqual([...samples.data], traces.flatMap((t) => [...t.samples]));
      assert.deepEqual([...set.columns.find((c) => c.name === "counts")!.data], traces.flatMap((t) => [...t.counts]));
    });

    it("refuses bad usage and unknown signals with exit status 2, writing nothing", async () => {
      const existing = join(dir, "existing.h5");
      writeFileSync(existing, "keep me");
      const out = join(dir, "never.h5");
      const at = ["--address", lab.address, "--config", config];
      const cases: [string[], RegExp][] = [
        [["--out", out], /^qmi record: name at least one signal, as <context>\.<object>\.<signal>\n\nUsage: qmi record/],
        [[SIGNAL], /^qmi record: --out <file\.h5> is required/],
        [[`${LAB}.nsg`, "--out", out], /^qmi record: "rec_cli_lab\.nsg" is not a signal; write <context>\.<object>\.<signal>/],
        [[SIGNAL, SIGNAL, "--out", out], /is named twice/],
        [[SIGNAL, "--out", existing], /existing\.h5 exists; pass --overwrite to replace it/],
        [[SIGNAL, "--out", out, "--duration", "0"], /--duration must be a positive number of seconds, found "0"/],
        [[SIGNAL, "--out", out, "--address", "elsewhere=127.0.0.1:1"], /--address names context elsewhere, which no signal names/],
        [[SIGNAL, "other.nsg.sampleTaken", "--out", out, "--address", "127.0.0.1:1"], /--address "127\.0\.0\.1:1": write <context>=<host:port>, e\.g\./],
        [[SIGNAL, "--out", out, "--frequency", "3"], /Unknown option '--frequency'/],
        [[`${LAB}.nsg.sampleTakn`, "--out", out, ...at], /^qmi record: rec_cli_lab\.nsg \(NoisySineGenerator\) has no signal sampleTakn that can be recorded \(signals: sampleTaken\)/],
        [[`${LAB}.nsg3.sampleTaken`, "--out", out, ...at], /^qmi record: Context rec_cli_lab has no object named nsg3 \(objects: nsg, nsg2, burst, echo\)/],
        [[`${LAB}.nsg.openn`, "--out", out, ...at], /has no signal openn/],
        [[TRACE, "--out", out, ...at], /field "samples" is a Float64Array, whose length .* \(qmi record: --width rec_cli_lab\.echo\.traceTaken\.samples=1000\)$/m],
        [[TRACE, "--out", out, "--width", `${TRACE}.samples`], /--width "rec_cli_lab\.echo\.traceTaken\.samples": write <context>\.<object>\.<signal>\.<field>=<elements>/],
        [[TRACE, "--out", out, "--width", `${SIGNAL}.samples=4`], /--width names signal rec_cli_lab\.nsg\.sampleTaken, which is not recorded/],
        [[TRACE, "--out", out, ...["samples", "counts", "interval"].flatMap((field) => ["--width", `${TRACE}.${field}=4`]), ...at], /widths name "interval", which is not a typed-array field/],
      ];
      for (const [args, message] of cases) {
        const run = await qmiInProcess(["record", ...args]);
        assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, "");
      }
      assert.equal(existsSync(out), false, "nothing written");
      assert.equal(readFileSync(existing, "utf8"), "keep me");
    });
  });
});
