/**
 * 10^7 rows (a float64 and an int32 column, 120 MB) written and read back in a child process, whose peak memory
 * must stay within twice the data above what it used before: columns move to and from HDF5's WebAssembly heap
 * in pieces of 1 MiB, never whole (the child collects the columns it wrote before it reads, so one copy of the data
 * is alive at a time).
 *
 * The child loads h5wasm before tsx (`--import h5wasm/node --import tsx`): tsx's loader rewrites h5wasm's 4 MB
 * module when it loads it, which costs some 600 MB of its own and would hide what the data costs. (Plain node, as
 * the installed package runs, does not.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, watchProcess } from "../helpers/child-context.ts";

const dir = mkdtempSync(join(tmpdir(), "qmi-large-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a data set of 10^7 rows", () => {
  it("is written and read back whole, with the peak memory of the process within twice the data", async () => {
    const rows = 10_000_000;
    const dataMb = (rows * (8 + 4)) / 1048576;
    const child = watchProcess(
      process.execPath,
      ["--expose-gc", "--import", import.meta.resolve("h5wasm/node"), "--import", import.meta.resolve("tsx"), "test/fixtures/large-data-set.ts", join(dir, "large.h5"), String(rows)],
      { ...process.env, NODE_OPTIONS: "--conditions=qmi-ts-source" },
      ROOT,
    );
    try {
      const [, equal, peak, before, write, read, bytes] = await child.waitForLine(/^LARGE (\w+) (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$/, 180);
      assert.equal(equal, "true", child.output());
      assert.equal(await child.waitForExit(30), 0, child.output());
      assert.ok(Number(bytes) >= rows * 12 && Number(bytes) < rows * 12 * 1.01, `file of ${bytes} bytes`);
      const over = Number(peak) - Number(before);
      assert.ok(over <= 2 * dataMb, `peak ${peak} MB, ${before} MB before: ${over} MB for ${dataMb.toFixed(0)} MB of data`);
      console.log(`# 10^7 rows (${dataMb.toFixed(0)} MB): written in ${write} s, read in ${read} s; peak ${peak} MB, ${before} MB before`);
    } finally {
      child.kill();
    }
  });
});
