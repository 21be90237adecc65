/**
 * The task examples, each run as a real child process with short durations (bounded; killed on overrun).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = import.meta.resolve("tsx");

function runExample(file: string, args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", TSX, join("examples", file), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c));
  child.stderr.on("data", (c: Buffer) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e[-+]?\d+)?`;

describe("task examples", () => {
  for (const [file, args, lines] of [
    ["task-demo.ts", ["3", "0.05"], 3],
    ["loop-task-demo.ts", ["0.001", "3", "0.01"], 3],
    ["custom-runner-demo.ts", ["0.9", "3", "0.05"], 3],
  ] as const) {
    it(`${file} starts the task, prints ${lines} amplitudes and stops it`, async () => {
      const outcome = await runExample(file, args);
      assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
      assert.match(outcome.stdout, /the task has been started/);
      assert.equal(outcome.stdout.match(new RegExp(`^amplitude = ${NUMBER}$`, "gm"))?.length, lines);
      assert.match(outcome.stdout, /the task has been stopped\n$/);
    });
  }

  it("rpc-control-demo.ts controls the amplitude through the runner's setAmplitude", async () => {
    const outcome = await runExample("rpc-control-demo.ts", ["3", "0.05"]);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const rows = [...outcome.stdout.matchAll(new RegExp(`^sample = (${NUMBER}) amplitude = (${NUMBER})$`, "gm"))];
    assert.equal(rows.length, 3);
    assert.equal(Number(rows[0]![2]), 100);
    assert.match(outcome.stdout, /the task has been stopped\n$/);
  });
});
