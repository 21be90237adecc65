/**
 * Files shared with Python: a file written by qmi-ts read by Debian's h5py (python3-h5py) with exact values, dtypes
 * and attributes, and a file laid out as Python QMI 0.54 lays out its data sets (written by h5py from that layout,
 * `test/fixtures/data_sets.py`, without QMI itself) read by `readDataSet`.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DataSet, listDataSets, readDataSet, writeDataSet } from "qmi-ts/data";
import { ROOT } from "../helpers/child-context.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(ROOT, "test/fixtures/data_sets.py");
const hasH5py = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { timeout: 30_000 }).status === 0;

const dir = mkdtempSync(join(tmpdir(), "qmi-h5py-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function python(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${SCRIPT} ${args.join(" ")}: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

interface Described {
  dtype: string;
  shape: number[];
  hex?: string;
  text?: string | string[];
}
interface Dump {
  root: Record<string, Described>;
  groups: Record<string, { attrs: Record<string, Described>; columns: Record<string, Described & { attrs: Record<string, Described>; maxshape: (number | null)[] }> }>;
}

const hex = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("hex");
const scalar = (dtype: string, array: ArrayBufferView): Described => ({ dtype, shape: [], hex: hex(array) });
const text = (value: string | string[]): Described => ({ dtype: "str", shape: Array.isArray(value) ? [value.length] : [], text: value });

describe("data set files and Python's h5py", { skip: skipUnlessPresent(hasH5py ? false : `${PYTHON} with h5py and numpy is absent (test/setup.sh installs python3-h5py when run as root)`) }, () => {
  it("h5py reads a qmi-ts file with exact values, dtypes, units and attributes, in QMI's layout", async () => {
    const file = join(dir, "from-qmi-ts.h5");
    const columns = [
      { name: "time", data: Float64Array.of(0, -0, NaN, Infinity, -Infinity, 5e-324), unit: "s", description: "since start" },
      { name: "level", data: Float32Array.of(0.1, -0, NaN, 3.4028234663852886e38, -1, 2) },
      { name: "count", data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, -1n, 2n ** 53n + 1n) },
      { name: "serial", data: BigUint64Array.of(2n ** 64n - 1n, 0n, 1n, 2n, 3n, 4n) },
      { name: "adc", data: Int16Array.of(-32768, 32767, 0, 1, 2, 3), unit: "counts" },
      { name: "flags", data: Uint8Array.of(0, 255, 1, 2, 3, 4) },
    ];
    await writeDataSet(file, new DataSet({
      name: "run", columns, timestamp: 1700000000.5,
      attributes: { operator: "ada ✓", gain: 2.5, nan: NaN, on: true, big: 2n ** 64n - 1n, steps: [1, 2.5], names: ["a", "b"], flags: [true, false] },
    }));
    await writeDataSet(file, { name: "second", columns: [{ name: "x", data: new Int32Array(0) }] });
    const dump = JSON.parse(await python("dump", file)) as Dump;

    assert.deepEqual(dump.root, { QMI_Dataset: scalar("<i8", BigInt64Array.of(1n)), QMI_Dataset_name_0: text("run"), QMI_Dataset_name_1: text("second") });
    const run = dump.groups.run!;
    const dtypes = ["<f8", "<f4", "<i8", "<u8", "<i2", "|u1"];
    columns.forEach((column, col) => {
      const got = run.columns[column.name]!;
      assert.deepEqual({ dtype: got.dtype, shape: got.shape, hex: got.hex }, { dtype: dtypes[col], shape: [6], hex: hex(column.data) }, column.name);
      assert.deepEqual(got.maxshape, [null], `${column.name} is extendible`);
      assert.deepEqual(got.attrs, { name: text(column.name), ...(column.unit ? { unit: text(column.unit) } : {}), ...(column.description ? { long_name: text(column.description) } : {}) });
    });
    const i8 = (n: number) => scalar("<i8", BigInt64Array.of(BigInt(n)));
    assert.deepEqual(run.attrs, {
      QMI_Dataset: i8(1), QMI_Dataset_name: text("run"), QMI_Dataset_layout: text("raw"),
      run_timestamp: scalar("<f8", Float64Array.of(1700000000.5)), run_time_str: text("2023-11-14T22:13:20"),
      run_data_ndim: i8(2), run_n_axes: i8(0), run_ncol: i8(6), run_dim0_size: i8(6), run_dim1_size: i8(6),
      ...Object.fromEntries(columns.flatMap((column, col) => [
        [`run_column${col}_key`, text(column.name)], [`run_column${col}_label`, text(column.name)],
        ...(column.unit ? [[`run_column${col}_unit`, text(column.unit)]] : []),
        ...(column.description ? [[`run_column${col}_name`, text(column.description)]] : []),
      ])),
      run_boolean_attributes: text(["on", "flags"]),
      operator: text("ada ✓"), gain: scalar("<f8", Float64Array.of(2.5)), nan: scalar("<f8", Float64Array.of(NaN)), on: scalar("|i1", Int8Array.of(1)),
      big: scalar("<u8", BigUint64Array.of(2n ** 64n - 1n)), steps: { dtype: "<f8", shape: [2], hex: hex(Float64Array.of(1, 2.5)) },
      names: text(["a", "b"]), flags: { dtype: "|i1", shape: [2], hex: hex(Int8Array.of(1, 0)) },
    });
    assert.deepEqual(dump.groups.second!.columns.x, { dtype: "<i4", shape: [0], hex: "", attrs: { name: text("x") }, maxshape: [null] });
   });

  it("h5py reads a column of rows of a fixed width as shape (rows, width), with exact values", async () => {
    const file = join(dir, "two-dimensional.h5");
    const samples = Float64Array.from({ length: 4 * 3 }, (_, i) => (i === 5 ? NaN : i === 7 ? -0 : i / 7));
    const counts = Int16Array.from({ length: 4 * 3 }, (_, i) => (i % 2 ? -32768 + i : 32767 - i));
    await writeDataSet(file, { name: "traces", columns: [{ name: "t", data: Float64Array.of(0, 1, 2, 3) }, { name: "samples", data: samples, width: 3, unit: "V" }, { name: "counts", data: counts, width: 3 }] });
    await writeDataSet(file, { name: "none", columns: [{ name: "v", data: new Float32Array(0), width: 1000 }] });
    const dump = JSON.parse(await python("dump", file)) as Dump;
    const traces = dump.groups.traces!;
    assert.deepEqual({ ...traces.columns.samples, attrs: undefined }, { dtype: "<f8", shape: [4, 3], hex: hex(samples), maxshape: [null, 3], attrs: undefined });
    assert.deepEqual({ ...traces.columns.counts, attrs: undefined }, { dtype: "<i2", shape: [4, 3], hex: hex(counts), maxshape: [null, 3], attrs: undefined });
    const i8 = (n: number) => scalar("<i8", BigInt64Array.of(BigInt(n)));
    assert.deepEqual([traces.attrs.traces_dim0_size, traces.attrs.traces_ncol, traces.attrs.traces_column0_width, traces.attrs.traces_column1_width, traces.attrs.traces_column2_width], [i8(4), i8(3), undefined, i8(3), i8(3)]);
    assert.deepEqual(dump.groups.none!.columns.v, { dtype: "<f4", shape: [0, 1000], hex: "", attrs: { name: text("v") }, maxshape: [null, 1000] });
  });

  it("readDataSet reads a file laid out as Python QMI writes data sets", async () => {
    const file = join(dir, "from-qmi.h5");
    await python("write-qmi", file);
    assert.deepEqual((await listDataSets(file)).map((info) => [info.name, info.rowCount, info.columns.length]), [["sweep", 3, 3], ["trace", 3, 1]]);
    const sweep = await readDataSet(file, "sweep");
    assert.equal(sweep.timestamp, 1700000000.25);
    assert.deepEqual(sweep.columns.map((c) => [c.name, c.type, c.unit, c.description, [...c.data]]), [
      ["frequency", "float64", "Hz", "drive frequency", [1e3, 2e3, 3e3]],
      ["column_1", "float64", "V", "", [0.5, NaN, -0]],
      ["frequency_1", "float64", "", "", [-1, Infinity, 1e-300]],
    ]);
    assert.ok(Object.is(sweep.columnOrThrow("column_1").data[2], -0));
    assert.deepEqual(sweep.attributes, { operator: "ada", averages: 16n, gain: 2.5, calibrated: true, offsets: [1n, 2n, 3n] });
    const trace = await readDataSet(file, "trace");
    assert.deepEqual(trace.columns.map((c) => [c.name, c.type, c.unit, [...c.data]]), [["counts", "int16", "1/s", [-32768, 0, 32767]]]);
    assert.deepEqual(trace.attributes, {});
  });
});
