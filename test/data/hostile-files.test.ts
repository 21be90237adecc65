/**
 * Files are input: a file whose attributes or shapes do not match what they claim, whose columns are missing or of
 * the wrong kind, or whose bytes are damaged is refused with a DataFileError naming the file and what is wrong —
 * never a crash, a hang, an HDF5 diagnostic on stderr, or a huge allocation.
 */
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import h5wasm, { type Dataset, type File as H5File, type Group, type GuessableDataTypes } from "h5wasm/node";
import { DataFileError, listDataSets, readDataSet, writeDataSet } from "qmi-ts/data";
import { startChild } from "../helpers/child-context.ts";

const dir = mkdtempSync(join(tmpdir(), "qmi-hostile-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A good file with data set "d" (columns x: float64, y: int32; 3 rows), then changed by `change` through h5wasm. */
async function tampered(change: (group: Group, file: H5File) => void): Promise<string> {
  const path = join(dir, `t${files++}.h5`);
  await writeDataSet(path, { name: "d", columns: [{ name: "x", data: Float64Array.of(1, 2, 3) }, { name: "y", data: Int32Array.of(4, 5, 6) }], attributes: { note: 1.5 } });
  const file = new h5wasm.File(path, "a");
  try {
    change(file.get("d") as Group, file);
  } finally {
    file.close();
  }
  return path;
}

function replace(group: Group, name: string, data: GuessableDataTypes, shape?: number[], dtype?: string): void {
  if (name in group.attrs) group.delete_attribute(name);
  group.create_attribute(name, data, shape ?? null, dtype ?? null);
}

async function refused(path: string, name: string, message: RegExp): Promise<void> {
  await assert.rejects(readDataSet(path, name), (error: unknown) => {
    assert.ok(error instanceof DataFileError, String(error));
    assert.equal(error.file, path);
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe("readDataSet on files that do not hold what they claim", () => {
  it("refuses wrong or missing metadata, naming the attribute and what it should be", async () => {
    await refused(await tampered((g) => g.delete_attribute("QMI_Dataset")), "d", /data set "d": \/d is not a data set: it has no attribute QMI_Dataset = 1/);
    await refused(await tampered((g) => replace(g, "d_ncol", "two")), "d", /attribute d_ncol should be an integer from 1 to 2, is "two"/);
    await refused(await tampered((g) => replace(g, "d_ncol", BigInt64Array.of(5n), [], "<q")), "d", /attribute d_ncol should be an integer from 1 to 2, is 5n/);
    await refused(await tampered((g) => replace(g, "d_data_ndim", BigInt64Array.of(3n), [], "<q")), "d", /attribute d_data_ndim should be an integer from 1 to 2, is 3n/);
    await refused(await tampered((g) => g.delete_attribute("d_dim0_size")), "d", /attribute d_dim0_size is missing/);
    await refused(await tampered((g) => replace(g, "d_dim1_size", BigInt64Array.of(3n), [], "<q")), "d", /d_dim1_size does not equal d_ncol \(2\)/);
    await refused(await tampered((g) => replace(g, "d_timestamp", "yesterday")), "d", /attribute d_timestamp should be a finite number of seconds, is "yesterday"/);
    await refused(await tampered((g) => replace(g, "d_n_axes", BigInt64Array.of(2n), [], "<q")), "d", /layout with 2 measurement axes; qmi-ts reads data sets of plain columns only/);
    await refused(await tampered((g) => replace(g, "d_boolean_attributes", ["note"])), "d", /attribute note is listed as a boolean but holds float64 values/);
    await refused(await tampered((g) => replace(g, "grid", new Float64Array(4), [2, 2], "<d")), "d", /attribute grid is a 2-dimensional array/);
  });

  it("refuses row counts that do not match the columns, and missing or unreadable columns", async () => {
    await refused(await tampered((g) => replace(g, "d_dim0_size", BigInt64Array.of(4n), [], "<q")), "d", /column "x" has shape \[3\], but the data set claims 4 rows \(d_dim0_size\)/);
    await refused(await tampered((g) => replace(g, "d_column1_key", "z")), "d", /column 1 \("z"\) is missing/);
    await refused(await tampered((g) => replace(g, "d_column1_key", "x")), "d", /columns 0 and 1 both name the dataset "x"/);
    await refused(await tampered((g) => (g.create_group("sub"), replace(g, "d_column1_key", "sub"))), "d", /column 1 \("sub"\) is a group, not a dataset/);
    await refused(await tampered((g) => (g.create_dataset({ name: "s", data: ["a", "b", "c"] }), replace(g, "d_column1_key", "s"))), "d", /column "s" holds string values; qmi-ts reads columns of integers and floats/);
    await refused(await tampered((g) => (g.create_dataset({ name: "m", data: new Float64Array(3), shape: [3, 1] }), replace(g, "d_column1_key", "m"))), "d", /column "m" has shape \[3, 1\], but the data set claims 3 rows/);
    await refused(await tampered((_, f) => f.create_dataset({ name: "plain", data: Float64Array.of(1) })), "plain", /\/plain is a dataset, not the group of a data set/);
   });

  it("refuses a two-dimensional column whose shape disagrees with the width its data set declares", async () => {
    const int64 = (n: bigint): [BigInt64Array, number[], string] => [BigInt64Array.of(n), [], "<q"];
    const m = (shape: number[]) => (g: Group) => (g.create_dataset({ name: "m", data: new Float64Array(shape.reduce((a, b) => a * b)), shape }), replace(g, "d_column1_key", "m"));
    await refused(await tampered((g) => (m([3, 4])(g), replace(g, "d_column1_width", ...int64(5n)))), "d", /column "m" has shape \[3, 4\], but d_column1_width declares rows of 5 elements/);
    await refused(await tampered((g) => (m([4, 5])(g), replace(g, "d_column1_width", ...int64(5n)))), "d", /column "m" has shape \[4, 5\], but the data set claims 3 rows \(d_dim0_size\) of 5 elements \(d_column1_width\)/);
    await refused(await tampered((g) => replace(g, "d_column1_width", ...int64(2n))), "d", /column "y" has shape \[3\], but the data set claims 3 rows \(d_dim0_size\) of 2 elements/);
    await refused(await tampered((g) => replace(g, "d_column1_width", ...int64(0n))), "d", /attribute d_column1_width should be an integer from 1 to 16777216, is 0n/);
    const good = await tampered((g) => (m([3, 4])(g), replace(g, "d_column1_width", ...int64(4n))));
    assert.deepEqual((await readDataSet(good, "d")).columns.map((c) => [c.name, c.width, c.data.length]), [["x", undefined, 3], ["m", 4, 12]]);
  });

  it("refuses a data set claiming more rows than a read may load, before allocating anything, and lists it", async () => {
    const rows = 10_000_000_000;
    const path = await tampered((g) => {
      (g.get("x") as Dataset).resize([rows]);
      (g.get("y") as Dataset).resize([rows]);
      replace(g, "d_dim0_size", BigInt64Array.of(BigInt(rows)), [], "<q");
    });
    const started = performance.now();
    await refused(path, "d", /its columns hold 120000000000 bytes, more than the 1073741824 bytes a read loads; pass a larger maxBytes/);
    assert.ok(performance.now() - started < 5000);
    assert.deepEqual((await listDataSets(path)).map((info) => [info.name, info.rowCount]), [["d", rows]], "listing reads no data, so has no bound");
  });
});

describe("reading damaged files", () => {
  it("refuses truncated and corrupted files with a DataFileError each, in bounded time and without HDF5 diagnostics", async () => {
    const good = join(dir, "good.h5");
    await writeDataSet(good, { name: "a", columns: [{ name: "x", data: Float64Array.from({ length: 500 }, (_, i) => i) }, { name: "y", data: new Int16Array(500) }], attributes: { s: "text", n: [1, 2, 3] } });
    await writeDataSet(good, { name: "b", columns: [{ name: "z", data: new BigUint64Array(10) }] });
    const bytes = readFileSync(good);
    const damaged: string[] = [];
    for (const length of [0, 7, 8, 100, 512, 1000, bytes.length >> 1, bytes.length - 100, bytes.length - 1]) {
      damaged.push(join(dir, `cut-${length}.h5`));
      writeFileSync(damaged.at(-1)!, bytes.subarray(0, length));
    }
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 40; n++) {
      const copy = Buffer.from(bytes);
      for (let flips = 0; flips < 4; flips++) copy[Math.floor(random() * Math.min(copy.length, 4096))]! ^= 1 << Math.floor(random() * 8);
      damaged.push(join(dir, `flip-${n}.h5`));
      writeFileSync(damaged.at(-1)!, copy);
    }
    const child = startChild("test/fixtures/read-data-files.ts", damaged);
    try {
      await child.waitForLine(/^DONE$/, 120);
      assert.equal(await child.waitForExit(20), 0, child.output());
      const outcomes = child.output().split("\n").filter((line) => line.startsWith("FILE "));
      assert.equal(outcomes.length, damaged.length, child.output());
      const unexpected = outcomes.filter((line) => !/^FILE \S+ (ok \d+|DataFileError: .+)$/.test(line));
      assert.deepEqual(unexpected, []);
      assert.ok(outcomes.filter((line) => line.startsWith(`FILE ${join(dir, "cut-")}`)).every((line) => line.includes("DataFileError")), child.output());
      assert.doesNotMatch(child.output(), /HDF5-DIAG/);
      const refusedCount = outcomes.filter((line) => line.includes("DataFileError")).length;
      console.log(`# ${damaged.length} damaged files: ${refusedCount} refused with a DataFileError, ${damaged.length - refusedCount} still read`);
    } finally {
      child.kill();
    }
  });
});
