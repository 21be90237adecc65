/**
 * A Python client (Debian's python3-grpcio, stubs generated from idl/ with protoc) drives a qmi-ts context:
 * calls, errors with their status codes and `qmi-error` trailers, a lock through the metadata contract, and a
 * streamed signal. Skipped only where python3 itself is absent (test/setup.sh installs the Debian packages).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { DemoRpcControlTask } from "../../examples/demo-task.ts";
import { ROOT } from "../helpers/child-context.ts";

const PYTHON = "/usr/bin/python3";

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("examples/python/qmi_client.py", { skip: existsSync(PYTHON) ? false : `${PYTHON} is absent` }, () => {
  let ctx: Context;
  before(async () => {
    const stubs = await run("bash", ["examples/python/gen-stubs.sh"]);
    assert.equal(stubs.code, 0, stubs.stderr);
    ctx = await Context.start("py_server", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
    await ctx.makeTask("task", DemoRpcControlTask);
  });
  after(async () => ctx?.stop());

  it("drives the instrument, meets the lock and the errors, receives signals and reads a task's settings", async () => {
    const result = await run(PYTHON, ["examples/python/qmi_client.py", "--address", ctx.address, "--task", "task"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      "context: py_server objects: nsg,task",
      "closed getSample: FAILED_PRECONDITION NotOpenError: Instrument nsg is not open; call open() first",
      "amplitude: 5.0",
      "sample within amplitude: True",
      "negative amplitude: INVALID_ARGUMENT InvalidArgumentError: Bad value for amplitude: -1; expected a finite number >= 0",
      "lock: True",
      "locked: True",
      "other token: FAILED_PRECONDITION LockedError: The object is locked by another proxy",
      "holder amplitude: 5.0",
      "unlock by other: False",
      "unlock: True",
      "signals received: 3",
      "unknown object: NOT_FOUND UnknownNameError: Context py_server has no object named no_such_object (objects: nsg, task)",
      "task settings amplitude: 100.0",
      "task pending amplitude: 42.0",
      "task running: False",
      "done",
    ]);
  });
});
