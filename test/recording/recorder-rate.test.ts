/**
 * `record()` at 100 kHz for 10 s (10^6 signals of a local publisher, in a child process whose memory is measured):
 * memory stays bounded whatever the number of signals, `recorded + dropped === published` exactly, and the file
 * holds exactly the recorded rows, in publication order. No timing is asserted: the rate is the publisher's.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, watchProcess } from "../helpers/child-context.ts";

const dir = mkdtempSync(join(tmpdir(), "qmi-record-rate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 2 ** 20;

interface Memory { at: number; rss: number; heapUsed: number; arrayBuffers: number }
interface Result {
  published: number;
  publishSeconds: number;
  recorded: number;
  dropped: number;
  bytesWritten: number;
  droppedAttribute: string;
  memory: { at1s: Memory; end: Memory; peakRssAfter1s: number; peakHeapUsed: number; peakArrayBuffers: number; maxRss: number; samples: number };
  file: { rows: number; increasing: boolean; first: number; last: number };
}

describe("record (100 kHz for 10 s)", () => {
  it("keeps memory bounded, counts every signal as recorded or dropped, and writes the recorded ones in order", async () => {
    const file = join(dir, "rate.h5");
    const [rate, seconds] = [100_000, 10];
    const child = watchProcess(
      process.execPath,
      ["--import", import.meta.resolve("h5wasm/node"), "--import", import.meta.resolve("tsx"), "test/fixtures/recording-rate-child.ts", file, String(rate), String(seconds)],
      { ...process.env },
      ROOT,
    );
    let result: Result;
    try {
      const [, json] = await child.waitForLine(/^RESULT (.*)$/, 60) as unknown as [string, string];
      result = JSON.parse(json) as Result;
      assert.equal(await child.waitForExit(10), 0, child.output());
    } finally {
      child.kill();
    }
    const { published, recorded, dropped, memory: m } = result;
    console.log(
      `published ${published} in ${result.publishSeconds.toFixed(2)} s; recorded ${recorded}, dropped ${dropped}; ` +
        `RSS ${(m.at1s.rss / MiB).toFixed(1)} MiB at 1 s, peak after ${(m.peakRssAfter1s / MiB).toFixed(1)} MiB, maxRSS ${(m.maxRss / MiB).toFixed(1)} MiB; ` +
        `heap ${(m.at1s.heapUsed / MiB).toFixed(1)} MiB at 1 s, peak ${(m.peakHeapUsed / MiB).toFixed(1)} MiB; array buffers peak ${(m.peakArrayBuffers / MiB).toFixed(2)} MiB`,
    );

    assert.equal(published, rate * seconds);
    assert.equal(recorded + dropped, published, "recorded + dropped === published");
    assert.equal(result.droppedAttribute, String(dropped), "the data set's dropped attribute");
    assert.equal(result.bytesWritten, recorded * 24);
    assert.equal(result.file.rows, recorded, "the file holds exactly the recorded rows");
    assert.ok(result.file.increasing, "rows in publication order, t equal to value");
    assert.equal(result.file.first, 0);
    if (dropped === 0) assert.equal(result.file.last, published - 1);

    // The 9 * 10^5 signals published after the first second would take 21.6 MB as bare typed-array rows (24 bytes
    // each), and several times that as the payload objects: the recorder keeps at most 65,536 rows (1.5 MB).
    assert.ok(m.samples >= 50, `only ${m.samples} memory samples`);
    assert.ok(m.maxRss - m.at1s.rss < 12 * MiB, `maxRSS ${m.maxRss} grew by more than 12 MiB over the RSS at 1 s (${m.at1s.rss})`);
    assert.ok(m.peakArrayBuffers < 8 * MiB, `array buffers peaked at ${m.peakArrayBuffers} bytes`);
    assert.ok(m.peakHeapUsed - m.at1s.heapUsed < 32 * MiB, `the heap peaked at ${m.peakHeapUsed} bytes, ${m.at1s.heapUsed} at 1 s`);
    assert.ok(m.end.rss - m.at1s.rss < 12 * MiB, `RSS ${m.end.rss} at the end, ${m.at1s.rss} at 1 s`);
  });
});
