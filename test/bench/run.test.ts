import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../helpers/child-context.ts";

const run = promisify(execFile);

describe("bench/run.ts", () => {
  it("runs every benchmark in smoke mode and writes its results (no timing is checked)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qmi-bench-smoke-"));
    try {
      const out = join(dir, "results.json");
      const { stdout } = await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--smoke", "--out", out], { cwd: ROOT, timeout: 100_000 });
      assert.match(stdout, /in-process getSample via proxy/);
      const results = JSON.parse(readFileSync(out, "utf8")) as { smoke: boolean; rows: { benchmark: string }[]; remote: Record<string, unknown> };
      assert.equal(results.smoke, true);
      assert.ok(results.remote.unary && results.remote.channel);
      for (const n of ["1 ", "2 ", "3 ", "4 ", "5 ", "7 ", "9 "]) assert.ok(results.rows.some((r) => r.benchmark.startsWith(n)), `row ${n}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
