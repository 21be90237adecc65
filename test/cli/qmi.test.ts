import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { ROOT } from "../helpers/child-context.ts";

function qmi(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["cli/qmi.mjs", ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("qmi (CLI)", () => {
  it("lists its commands with --help", async () => {
    const result = await qmi("--help");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: qmi <command>/);
    assert.match(result.stdout, /gen\s+generate \.proto files/);
  });

  it("refuses an unknown command with exit code 2", async () => {
    const result = await qmi("frobnicate");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });

  it("runs gen --check on the committed tree", async () => {
    const result = await qmi("gen", "--check");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /up to date/);
  });
});
