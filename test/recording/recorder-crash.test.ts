/**
 * `record()` and failures: a recording process killed with SIGKILL leaves a file that opens and holds, in order,
 * every signal published more than the flush interval (1 s) before the kill; a file that cannot grow (a process
 * file size limit, as a full disk) ends the recording with the error reported, and the process and its publisher
 * carry on.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { readDataSet } from "qmi-ts/data";
import { ROOT, watchProcess } from "../helpers/child-context.ts";

const dir = mkdtempSync(join(tmpdir(), "qmi-record-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("record (SIGKILL)", () => {
  it("leaves a readable file holding everything up to the last flush", async () => {
    const file = join(dir, "killed.h5");
    const child = watchProcess(
      process.execPath,
      ["--import", import.meta.resolve("h5wasm/node"), "--import", import.meta.resolve("tsx"), "test/fixtures/recording-child.ts", file],
      { ...process.env },
      ROOT,
    );
    try {
      await child.waitForLine(/^PUBLISHED /, 30);
      // Past the first two flushes (each second), then killed mid-recording.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      child.process.kill("SIGKILL");
      const killedAt = Date.now();
      await child.waitForExit(10);
      const batches = [...child.output().matchAll(/^PUBLISHED (\d+) (\d+)$/gm)].map((m) => ({ count: Number(m[1]), at: Number(m[2]) }));
      const published = batches.at(-1)!.count;
      const flushedSurely = batches.filter((b) => b.at <= killedAt - 1500).at(-1)?.count ?? 0;
      assert.ok(flushedSurely >= 1000, `the child published ${flushedSurely} samples 1.5 s before the kill; output:\n${child.output().slice(0, 2000)}`);

      const set = await readDataSet(file, "rec_child.nsg.sampleTaken");
      const values = [...set.columns.find((c) => c.name === "value")!.data];
      console.log(`published ${published}, ${flushedSurely} of them 1.5 s before SIGKILL; the file holds ${values.length}`);
      assert.ok(values.length >= flushedSurely, `the file holds ${values.length} rows, fewer than the ${flushedSurely} published 1.5 s before the kill`);
      assert.ok(values.length <= published);
      assert.deepEqual(values, Array.from({ length: values.length }, (_, i) => i), "the rows are the samples in publication order");
      assert.equal(set.attributes.signal, "sampleTaken");
    } finally {
      child.kill();
    }
  });
});

const bash = spawnSync("/bin/bash", ["-c", "true"]).status === 0;

describe("record (a write that fails)", () => {
  it("reports the error once, rejects stop(), and leaves the process and the publisher running", { skip: bash ? false : "no /bin/bash" }, async () => {
    const file = join(dir, "limited.h5");
    const node = [process.execPath, "--import", import.meta.resolve("h5wasm/node"), "--import", import.meta.resolve("tsx"), "test/fixtures/recording-error-child.ts", file];
    // SIGXFSZ ignored, writes past 400 KiB fail with EFBIG.
    const script = `trap "" XFSZ; ulimit -f 400; exec ${node.map((a) => `'${a}'`).join(" ")}`;
    const child = watchProcess("/bin/bash", ["-c", script], { ...process.env }, ROOT);
    try {
      const [, error] = await child.waitForLine(/^ONERROR (.*)$/, 30) as unknown as [string, string];
      assert.match(error, /^DataFileError: Cannot append to column .* in data file .*limited\.h5: File too large/);
      assert.equal(await child.waitForExit(20), 0, child.output());
      const lines = child.output().split("\n");
      assert.deepEqual(lines.filter((l) => l.startsWith("STOP")), ["STOP rejected DataFileError", "STOP rejected DataFileError"]);
      assert.equal(lines.filter((l) => l.startsWith("ONERROR")).length, 1);
      assert.match(lines.find((l) => l.startsWith("ALIVE"))!, /^ALIVE [1-9]\d*$/, "the publisher went on publishing");
    } finally {
      child.kill();
    }
  });
});
