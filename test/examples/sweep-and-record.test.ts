/**
 * examples/sweep-and-record.ts run as a child process (`node --import h5wasm/node --import tsx`), then
 * examples/python/read_sweep.py on the file it wrote: the sweep's table and the recorded samples, read back by
 * `readDataSet` and by Debian's h5py, agree with what the example printed.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { listDataSets, readDataSet } from "qmi-ts/data";
import { ROOT, watchProcess } from "../helpers/child-context.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";

const PYTHON = "/usr/bin/python3";
const hasH5py = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { timeout: 30_000 }).status === 0;
const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const SET_AMPLITUDE = 1.5;

const dir = mkdtempSync(join(tmpdir(), "qmi-sweep-example-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, "sweep.h5");

/** `<f> Hz: <n> samples, mean <m> V, amplitude <a> V` lines, as numbers. */
function steps(output: string): { frequency: number; samples: number; mean: number; amplitude: number }[] {
  const pattern = new RegExp(`^(${NUMBER}) Hz: (\\d+) samples, mean (${NUMBER}) V, amplitude (${NUMBER}) V`, "gm");
  return [...output.matchAll(pattern)].map((m) => ({ frequency: Number(m[1]), samples: Number(m[2]), mean: Number(m[3]), amplitude: Number(m[4]) }));
}

describe("examples/sweep-and-record.ts", () => {
  let printed = "";

  it("sweeps, records every sample and writes the sweep as a second data set of the file", async () => {
    const child = watchProcess(
      process.execPath,
      ["--import", import.meta.resolve("h5wasm/node"), "--import", import.meta.resolve("tsx"), "examples/sweep-and-record.ts", file],
      { ...process.env },
      ROOT,
    );
    try {
      assert.equal(await child.waitForExit(60), 0, child.output());
    } finally {
      child.kill();
    }
    printed = child.output();
    const sweep = steps(printed);
    assert.deepEqual(sweep.map((s) => s.frequency), [5, 10, 20, 50], printed);
    for (const s of sweep) {
      assert.ok(s.samples >= 50, `${s.frequency} Hz: only ${s.samples} samples`);
      assert.ok(Math.abs(s.amplitude - SET_AMPLITUDE) < 0.1 && Math.abs(s.mean) < 0.1, `${s.frequency} Hz: mean ${s.mean}, amplitude ${s.amplitude}`);
    }
    const [, recorded, dropped] = printed.match(/^recorded (\d+) samples \((\d+) dropped\) to /m)!.map(Number);
    const taken = sweep.reduce((sum, s) => sum + s.samples, 0);
    assert.equal(recorded! + dropped!, taken, "every sample taken is recorded or counted as dropped");

    assert.deepEqual((await listDataSets(file)).map((info) => [info.name, info.rowCount]), [["sweep.nsg.sampleTaken", recorded], ["sweep", 4]]);
    const table = await readDataSet(file, "sweep");
    assert.deepEqual(table.columns.map((c) => [c.name, c.type, c.unit]), [
      ["frequency", "float64", "Hz"], ["mean", "float64", "V"], ["amplitude", "float64", "V"], ["samples", "uint32", ""], ["start", "float64", "s"], ["stop", "float64", "s"],
    ]);
    assert.deepEqual([...table.columnOrThrow("frequency").data], [5, 10, 20, 50]);
    assert.deepEqual([...table.columnOrThrow("samples").data], sweep.map((s) => s.samples));
    assert.deepEqual([...table.columnOrThrow("amplitude").data].map((a) => (a as number).toFixed(4)), sweep.map((s) => s.amplitude.toFixed(4)));
    assert.equal(table.attributes.set_amplitude, SET_AMPLITUDE);
    const samples = await readDataSet(file, "sweep.nsg.sampleTaken");
    assert.equal(samples.attributes.driver_class, "NoisySineGenerator");
    assert.equal(samples.attributes.dropped, BigInt(dropped!));
    assert.equal(samples.attributes.operator, "example");
  });

  it("is read by examples/python/read_sweep.py, which fits the recorded samples of each step again", async (t) => {
    if (skipUnlessPresent(hasH5py ? false : `${PYTHON} with h5py and numpy is absent (test/setup.sh installs python3-h5py when run as root)`)) {
      t.skip("no h5py");
      return;
    }
    assert.ok(printed, "the example ran");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [join(ROOT, "examples/python/read_sweep.py"), file], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.match(out, /^data sets: sweep\.nsg\.sampleTaken, sweep$/m);
    const [, recorded, dropped] = printed.match(/^recorded (\d+) samples \((\d+) dropped\)/m)!;
    assert.match(out, new RegExp(`^recorded: ${recorded} samples, dropped ${dropped}, driver NoisySineGenerator, float64$`, "m"));
    assert.match(out, /^sweep: frequency \[Hz\] float64, mean \[V\] float64, amplitude \[V\] float64, samples \[\] uint32, start \[s\] float64, stop \[s\] float64$/m);
    // The sweep as the example printed it, then the same steps from the recorded samples.
    assert.deepEqual(steps(out), steps(printed));
    const again = [...out.matchAll(new RegExp(`; recorded (\\d+) samples, mean (${NUMBER}) V, amplitude (${NUMBER}) V$`, "gm"))];
    assert.equal(again.length, 4, out);
    for (const [i, m] of again.entries()) {
      if (dropped === "0") assert.equal(Number(m[1]), steps(printed)[i]!.samples, "every sample of the step is in the file");
      assert.ok(Math.abs(Number(m[3]) - SET_AMPLITUDE) < 0.1 && Math.abs(Number(m[2])) < 0.1, m[0]);
    }
  });
});
