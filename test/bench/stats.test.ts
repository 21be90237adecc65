/**
 * The benchmarks' helpers that decide what a figure says: which call a full garbage collection fell in.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FullCollections, countWithin } from "../../bench/stats.ts";

/** A forced collection, full unless `minor` (the flag makes `gc` available to contexts made after it). */
function collect(minor = false): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as (options?: { type: "minor" }) => void)(minor ? { type: "minor" } : undefined);
}

describe("countWithin", () => {
  it("counts the instants inside each name's spans, ends included, and 0 for a name with none", () => {
    const spans = { raw: [[0, 10], [20, 30]] as [number, number][], echo: [[10.5, 19.5]] as [number, number][], idle: [] };
    assert.deepEqual(countWithin(spans, [0, 5, 10, 15, 25, 30, 31, 19.7]), { raw: 5, echo: 1, idle: 0 });
  });
});

describe("FullCollections", () => {
  it("records the full collections that start after it is made, at their start time", async () => {
    collect(); // before: not recorded
    await new Promise((resolve) => setTimeout(resolve, 20));
    const start = performance.now();
    const collections = new FullCollections();
    collect();
    collect(true); // a scavenge: not counted
    collect();
    const end = performance.now();
    const starts = await collections.stop();
    assert.equal(starts.length, 2, `full collections recorded: ${starts.join(", ")}`);
    for (const t of starts) assert.ok(t >= start && t <= end, `${t} within [${start}, ${end}]`);
    assert.deepEqual(countWithin({ forced: [[start, end]] }, starts), { forced: 2 });
  });

  it("records nothing once stopped", async () => {
    const collections = new FullCollections();
    const starts = await collections.stop();
    const count = starts.length;
    collect();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(starts.length, count);
  });
});
