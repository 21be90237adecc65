/**
 * `writeDataSet`, `readDataSet`, `listDataSets` and `DataFile` on real files: round trips of every column type with
 * its extreme values, attributes, several data sets per file, rows appended in pieces, and the errors a script
 * sees for files that cannot be opened or data sets that are not there.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { InvalidArgumentError } from "qmi-ts";
import { DataFile, DataFileError, DataSet, listDataSets, readDataSet, writeDataSet, type ColumnArray } from "qmi-ts/data";

const dir = mkdtempSync(join(tmpdir(), "qmi-data-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `f${files++}.h5`);

/** Every column type with its extremes (and NaN, ±Infinity, -0, the smallest subnormal for the floats). */
const extremes: Record<string, ColumnArray> = {
  float64: Float64Array.of(0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE, 5e-324, Math.PI),
  float32: Float32Array.of(0, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45, -1.5, 0.1),
  int64: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 42n, -42n),
  uint64: BigUint64Array.of(0n, 2n ** 64n - 1n, 2n ** 63n, 1n, 2n ** 53n + 1n, 7n, 8n, 9n, 10n),
  int32: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, 1, 2, 3, 4, 5),
  uint32: Uint32Array.of(0, 2 ** 32 - 1, 2 ** 31, 1, 2, 3, 4, 5, 6),
  int16: Int16Array.of(-32768, 32767, 0, -1, 1, 2, 3, 4, 5),
  uint16: Uint16Array.of(0, 65535, 32768, 1, 2, 3, 4, 5, 6),
  int8: Int8Array.of(-128, 127, 0, -1, 1, 2, 3, 4, 5),
  uint8: Uint8Array.of(0, 255, 128, 1, 2, 3, 4, 5, 6),
};

/** Equal element by element, with NaN equal to NaN and -0 distinct from 0 (Object.is), and of the same class. */
function assertSameArray(actual: ColumnArray, expected: ColumnArray, what: string): void {
  assert.equal(actual.constructor, expected.constructor, what);
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} !== ${expected[i]}`);
}

async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `${String(error)} is not a ${type.name}`);
    assert.match(error.message, message);
    return true;
  });
}

describe("writeDataSet and readDataSet", () => {
  it("round-trip every column type exactly, with units, descriptions and the time stamp", async () => {
    const file = newFile();
    const columns = Object.entries(extremes).map(([type, data]) => ({ name: `c_${type}`, data, unit: type === "float64" ? "V" : "", description: `a ${type} column` }));
    await writeDataSet(file, new DataSet({ name: "extremes", columns, timestamp: 1700000000.123456 }));
    const back = await readDataSet(file, "extremes");
    assert.equal(back.name, "extremes");
    assert.equal(back.timestamp, 1700000000.123456);
    assert.equal(back.rowCount, 9);
    assert.deepEqual(back.columns.map((c) => [c.name, c.type, c.unit, c.description]), columns.map((c) => [c.name, c.name.slice(2), c.unit, c.description]));
    for (const column of columns) assertSameArray(back.columnOrThrow(column.name).data, column.data, column.name);
  });

  it("round-trip empty data sets of every column type", async () => {
    const file = newFile();
    const columns = Object.entries(extremes).map(([type, data]) => ({ name: type, data: new (data.constructor as new (n: number) => ColumnArray)(0) }));
    await writeDataSet(file, { name: "nothing", columns });
    const back = await readDataSet(file, "nothing");
    assert.equal(back.rowCount, 0);
    for (const column of columns) assertSameArray(back.columnOrThrow(column.name).data, column.data, column.name);
  });

  it("round-trip attributes of every kind exactly, __proto__ included", async () => {
    const file = newFile();
    const attributes: Record<string, unknown> = {
      text: "héllo ✓ 𝄞", empty: "", negativeZero: -0, nan: NaN, inf: Infinity, fraction: 0.1, yes: true, no: false,
      int64: -(2n ** 63n), uint64: 2n ** 64n - 1n, numbers: [1, -0, NaN], strings: ["a", "", "b"], booleans: [true, false],
      bigints: [-1n, 2n ** 62n], unsigned: [0n, 2n ** 64n - 1n], none: [],
    };
    Object.defineProperty(attributes, "__proto__", { value: "kept", enumerable: true });
    await writeDataSet(file, new DataSet({ name: "m", columns: [{ name: "x", data: Float64Array.of(1) }], attributes: attributes as never }));
    const back = await readDataSet(file, "m");
    assert.deepEqual(Object.keys(back.attributes).sort(), Object.keys(attributes).sort());
    for (const [key, value] of Object.entries(attributes)) {
      const got = back.attributes[key];
      if (Array.isArray(value)) assert.ok(Array.isArray(got) && got.length === value.length && value.every((v, i) => Object.is(v, (got as unknown[])[i])), `${key}: ${String(got)}`);
      else assert.ok(Object.is(got, value), `${key}: ${String(got)} !== ${String(value)}`);
    }
    assert.equal(Object.getPrototypeOf(back.attributes), Object.prototype);
  });

  it("keep several data sets in one file, listed in the order they were written", async () => {
    const file = newFile();
    await writeDataSet(file, { name: "b_first", columns: [{ name: "x", data: Int8Array.of(1, 2) }], attributes: { note: "one" } });
    await writeDataSet(file, { name: "a_second", columns: [{ name: "x", data: Float32Array.of(3) }, { name: "y", data: Float32Array.of(4), unit: "s" }] });
    await writeDataSet(file, { name: "c_third", columns: [{ name: "t", data: new BigInt64Array(0) }] });
    const infos = await listDataSets(file);
    assert.deepEqual(infos.map((i) => [i.name, i.rowCount, i.columns.map((c) => `${c.name}:${c.type}:${c.unit}`)]), [
      ["b_first", 2, ["x:int8:"]],
      ["a_second", 1, ["x:float32:", "y:float32:s"]],
      ["c_third", 0, ["t:int64:"]],
    ]);
    assert.deepEqual(infos[0]!.attributes, { note: "one" });
    assertSameArray((await readDataSet(file, "a_second")).columnOrThrow("y").data, Float32Array.of(4), "y");
  });

  it("refuse a second data set of the same name, and leave the first as it was", async () => {
    const file = newFile();
    await writeDataSet(file, { name: "once", columns: [{ name: "x", data: Uint16Array.of(7) }] });
    await rejectsWith(writeDataSet(file, { name: "once", columns: [{ name: "x", data: Uint16Array.of(8) }] }), DataFileError, /already holds "once"; give the data set another name/);
    assertSameArray((await readDataSet(file, "once")).columnOrThrow("x").data, Uint16Array.of(7), "x");
  });

  it("say which file and what is wrong: missing file, directory, not HDF5, no such data set, too large to load", async () => {
    const missing = join(dir, "missing.h5");
    await rejectsWith(readDataSet(missing, "x"), DataFileError, new RegExp(`Cannot read data file ${missing}: no such file`));
    await rejectsWith(readDataSet(dir, "x"), DataFileError, /: it is a directory/);
    await rejectsWith(writeDataSet(dir, { name: "x", columns: [{ name: "x", data: Int8Array.of(1) }] }), DataFileError, /Cannot open for writing data file .*: it is a directory/);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not an HDF5 file\n".repeat(100));
    await rejectsWith(readDataSet(text, "x"), DataFileError, new RegExp(`Cannot read data file ${text}: not an HDF5 file`));
    await rejectsWith(writeDataSet(text, { name: "x", columns: [{ name: "x", data: Int8Array.of(1) }] }), DataFileError, /not an HDF5 file/);
    const file = newFile();
    await writeDataSet(file, { name: "there", columns: [{ name: "x", data: new Float64Array(1000) }] });
    await rejectsWith(readDataSet(file, "absent"), DataFileError, new RegExp(`Data file ${file} holds no data set "absent"; it holds "there"`));
    await rejectsWith(readDataSet(file, "there", { maxBytes: 7999 }), DataFileError, /its columns hold 8000 bytes, more than the 7999 bytes a read loads; pass a larger maxBytes/);
    assert.equal((await readDataSet(file, "there", { maxBytes: 8000 })).rowCount, 1000);
    await rejectsWith(writeDataSet(file, { name: "", columns: [] }), InvalidArgumentError, /Invalid data set name/);
  });
});

describe("DataFile", () => {
  it("appends rows in pieces to data sets in an open file; a flushed file reads back complete", async () => {
    const path = newFile();
    const file = await DataFile.create(path);
    const t: number[] = [];
    const v: number[] = [];
    try {
      const trace = file.createDataSet({
        name: "trace",
        columns: [{ name: "t", type: "float64", unit: "s" }, { name: "v", type: "int16", description: "ADC counts" }],
        attributes: { channel: 3 },
        chunkRows: 4,
      });
      const other = file.createDataSet({ name: "other", columns: [{ name: "n", type: "uint64" }] });
      for (let piece = 0; piece < 10; piece++) {
        const rows = piece % 3; // 0, 1 or 2 rows at a time, across chunk boundaries
        const pt = Float64Array.from({ length: rows }, (_, i) => piece + i / 10);
        const pv = Int16Array.from({ length: rows }, (_, i) => piece * 100 - i);
        trace.appendRows({ t: pt, v: pv });
        t.push(...pt);
        v.push(...pv);
      }
      other.appendRows({ n: BigUint64Array.of(2n ** 64n - 1n) });
      trace.setAttribute("done", true);
      trace.setAttribute("channel", "three");
      assert.equal(trace.rowCount, t.length);
      file.flush();

      assert.throws(() => trace.appendRows({ t: Float64Array.of(1) }), (e: unknown) => e instanceof InvalidArgumentError && /lack column "v"/.test(e.message));
      assert.throws(() => trace.appendRows({ t: Float64Array.of(1), v: Int32Array.of(1) }), /Column "v" of data set "trace" takes int16 values, got Int32Array/);
      assert.throws(() => trace.appendRows({ t: Float64Array.of(1, 2), v: Int16Array.of(1) }), /equal length: "t" has 2, "v" 1/);
      assert.throws(() => trace.appendRows({ t: Float64Array.of(1), v: Int16Array.of(1), w: Int16Array.of(1) }), /has no column "w"/);
      assert.throws(() => trace.setAttribute("trace_rate", 1), /begins with "trace"/);
      assert.throws(() => file.createDataSet({ name: "bad", columns: [{ name: "x", type: "float16" as never }] }), /has type "float16"; use one of float64/);
    } finally {
      file.close();
      file.close();
    }
    const back = await readDataSet(path, "trace");
    assertSameArray(back.columnOrThrow("t").data, Float64Array.from(t), "t");
    assertSameArray(back.columnOrThrow("v").data, Int16Array.from(v), "v");
    assert.deepEqual(back.attributes, { channel: "three", done: true });
    assert.equal(back.columnOrThrow("v").description, "ADC counts");
    assertSameArray((await readDataSet(path, "other")).columnOrThrow("n").data, BigUint64Array.of(2n ** 64n - 1n), "n");
  });

  it("opened for reading, refuses to add data sets; closed, refuses everything", async () => {
    const path = newFile();
    await writeDataSet(path, { name: "r", columns: [{ name: "x", data: Int8Array.of(1) }] });
    const file = await DataFile.open(path);
    try {
      assert.equal(file.writable, false);
      assert.deepEqual(file.dataSetNames(), ["r"]);
      assert.throws(() => file.writeDataSet({ name: "w", columns: [{ name: "x", data: Int8Array.of(1) }] }), /data file .* is open for reading only; open it with \{ mode: "append" \}/);
    } finally {
      file.close();
    }
    assert.throws(() => file.listDataSets(), (e: unknown) => e instanceof DataFileError && /the file is closed/.test(e.message));
    await rejectsWith(DataFile.create(path), DataFileError, /Cannot create data file .*: the file exists already/);
    const fresh = await DataFile.create(path, { overwrite: true });
    fresh.close();
    assert.deepEqual(await listDataSets(path), []);
  });
});

describe("two-dimensional columns", () => {
  it("round-trip rows of a fixed width of every column type, NaN included, with the width in listDataSets", async () => {
    const file = newFile();
    // Each type's extremes as 3 rows of 3, next to a one-dimensional column of 3 rows.
    const columns = Object.entries(extremes).map(([type, data]) => ({ name: type, data, width: 3, unit: type === "float64" ? "V" : "" }));
    await writeDataSet(file, { name: "grid", columns: [{ name: "t", data: Float64Array.of(0, 1, 2) }, ...columns] });
    const back = await readDataSet(file, "grid");
    assert.equal(back.rowCount, 3);
    assert.deepEqual(back.columns.map((c) => [c.name, c.type, c.width, c.unit]), [["t", "float64", undefined, ""], ...columns.map((c) => [c.name, c.name, 3, c.unit])]);
    for (const column of columns) assertSameArray(back.columnOrThrow(column.name).data, column.data, column.name);
    const [info] = await listDataSets(file);
    assert.deepEqual(info!.columns.map((c) => c.width), [undefined, ...columns.map(() => 3)]);
    assert.equal(info!.rowCount, 3);
  });

  it("round-trip empty two-dimensional columns, and a width of 1 as shape [rows, 1]", async () => {
    const file = newFile();
    await writeDataSet(file, { name: "empty", columns: [{ name: "trace", data: new Int16Array(0), width: 1000 }, { name: "n", data: new BigUint64Array(0), width: 2 }] });
    await writeDataSet(file, { name: "one", columns: [{ name: "x", data: Float32Array.of(1.5, NaN), width: 1 }] });
    const empty = await readDataSet(file, "empty");
    assert.equal(empty.rowCount, 0);
    assert.deepEqual(empty.columns.map((c) => [c.type, c.width, c.data.length]), [["int16", 1000, 0], ["uint64", 2, 0]]);
    const one = await readDataSet(file, "one");
    assert.equal(one.rowCount, 2);
    assertSameArray(one.columnOrThrow("x").data, Float32Array.of(1.5, NaN), "x");
    assert.equal(one.columnOrThrow("x").width, 1);
  });

  it("take rows appended in pieces across chunks, and refuse a length that is not a multiple of the width", async () => {
    const path = newFile();
    const file = await DataFile.create(path);
    const expected: number[] = [];
    try {
      const traces = file.createDataSet({ name: "traces", chunkRows: 2, columns: [{ name: "i", type: "uint32" }, { name: "v", type: "float64", width: 5, unit: "V" }] });
      for (let piece = 0, row = 0; piece < 7; piece++) {
        const rows = piece % 3;
        const v = Float64Array.from({ length: rows * 5 }, (_, k) => (k === 3 ? NaN : row * 10 + k));
        traces.appendRows({ i: Uint32Array.from({ length: rows }, (_, k) => row + k), v });
        expected.push(...v);
        row += rows;
      }
      assert.equal(traces.rowCount, expected.length / 5);
      assert.throws(() => traces.appendRows({ i: Uint32Array.of(1), v: new Float64Array(4) }), (e: unknown) => e instanceof InvalidArgumentError && /takes rows of 5 elements, got 4, not a multiple of 5/.test(e.message));
      assert.throws(() => traces.appendRows({ i: Uint32Array.of(1), v: new Float64Array(10) }), /equal length: "i" has 1, "v" 2/);
      for (const width of [0, -1, 1.5, 2 ** 24 + 1, "3"]) {
        assert.throws(() => file.createDataSet({ name: "bad", columns: [{ name: "x", type: "int8", width: width as number }] }), /The width of column "x" of data set "bad" must be an integer from 1 to 2\^24/);
      }
    } finally {
      file.close();
    }
    const back = await readDataSet(path, "traces");
    assertSameArray(back.columnOrThrow("v").data, Float64Array.from(expected), "v");
    assertSameArray(back.columnOrThrow("i").data, Uint32Array.from({ length: expected.length / 5 }, (_, k) => k), "i");
  });

  it("refuse data that is not a whole number of rows, or rows unequal to the other columns'", () => {
    assert.throws(() => new DataSet({ name: "d", columns: [{ name: "x", data: new Float64Array(7), width: 3 }] }), /Column "x" of data set "d" has rows of 3 elements, but holds 7, not a multiple of 3/);
    assert.throws(() => new DataSet({ name: "d", columns: [{ name: "x", data: new Float64Array(6), width: 3 }, { name: "y", data: new Int8Array(3) }] }), /equal length: "x" has 2 rows, "y" 3/);
    assert.throws(() => new DataSet({ name: "d", columns: [{ name: "x", data: new Float64Array(0), width: 0 }] }), /The width of column "x" of data set "d" must be an integer from 1 to 2\^24 \(elements per row\), got 0/);
    assert.equal(new DataSet({ name: "d", columns: [{ name: "x", data: new Float64Array(6), width: 3 }] }).rowCount, 2);
  });
});
