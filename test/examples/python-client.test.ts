/**
 * A Python client (Debian's python3-grpcio, stubs generated from idl/ with protoc) drives a qmi-ts context:
 * calls, errors with their status codes and `qmi-error` trailers, a lock through the metadata contract, and a
 * streamed signal. Skipped only where python3 itself is absent, failed there under CI (test/setup.sh installs the
 * Debian packages).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { DemoRpcControlTask } from "../../examples/demo-task.ts";
import { ROOT } from "../helpers/child-context.ts";
import { hasOpenssl, makeTestCertificates } from "../helpers/test-certs.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";

const PYTHON = "/usr/bin/python3";

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("examples/python/qmi_client.py", { skip: skipUnlessPresent(existsSync(PYTHON) ? false : `${PYTHON} is absent (test/setup.sh installs python3-grpcio when run as root)`) }, () => {
  let ctx: Context;
  before(async () => {
    const stubs = await run("bash", ["examples/python/gen-stubs.sh"]);
    assert.equal(stubs.code, 0, stubs.stderr);
    ctx = await Context.start("py_server", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
    await ctx.makeTask("task", DemoRpcControlTask);
    await (await ctx.makeInstrument("echo", EchoInstrument)).open();
  });
  after(async () => ctx?.stop());

  it("reads a trace into numpy (examples/python/read_trace.py): typed arrays are packed repeated fields", async () => {
    const result = await run(PYTHON, ["examples/python/read_trace.py", "--address", ctx.address]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), [
      "trace: 100000 points, float64, equal: True",
      "counts: [-32768, -1, 0, 1, 32767] as int16",
      "out of range: INVALID_ARGUMENT Cannot decode the request of qmi.drivers.dummy.echo_instrument.EchoInstrument/EchoInt16Array: Invalid argument values[0]: expected an integer in [-32768, 32767] (Int16Array), got 40000",
      "done",
    ]);
  });

  it("reads a trace of 10^6 doubles (8 MB) from a context whose message limit is raised, with the client's raised to match", async () => {
    const large = await Context.start("py_large_server", { config: { security: { max_message_bytes: 16 * 1024 * 1024 } } });
    try {
      await (await large.makeInstrument("echo", EchoInstrument)).open();
      const args = ["examples/python/read_trace.py", "--address", large.address, "--points", "1000000", "--max-message-bytes", String(16 * 1024 * 1024)];
      const result = await run(PYTHON, args);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(result.stdout.trim().split("\n")[0], "trace: 1000000 points, float64, equal: True");
    } finally {
      await large.stop();
    }
  });

  it("a trace over the default 4 MiB is refused by the default context (RESOURCE_EXHAUSTED), which goes on serving", async () => {
    const refused = await run(PYTHON, ["examples/python/read_trace.py", "--address", ctx.address, "--points", "1000000", "--max-message-bytes", String(16 * 1024 * 1024)]);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(refused.stderr, /RESOURCE_EXHAUSTED/);
    const next = await run(PYTHON, ["examples/python/read_trace.py", "--address", ctx.address, "--points", "1000"]);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(next.stdout.trim().split("\n")[0], "trace: 1000 points, float64, equal: True");
  });

  /** What the script prints against a context named `name` hosting `nsg` and `task`. */
  const expectedLines = (name: string, objects = ["nsg", "task"]) => [
    `context: ${name} objects: ${objects.join(",")}`,
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
    `unknown object: NOT_FOUND UnknownNameError: Context ${name} has no object named no_such_object (objects: ${objects.join(", ")})`,
    "task settings amplitude: 100.0",
    "task pending amplitude: 42.0",
    "task running: False",
    "done",
  ];

  it("drives the instrument, meets the lock and the errors, receives signals and reads a task's settings", async () => {
    const result = await run(PYTHON, ["examples/python/qmi_client.py", "--address", ctx.address, "--task", "task"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), expectedLines("py_server", ["nsg", "task", "echo"]));
  });

  it("does the same over mutual TLS with the shared-secret token, and is refused without the token", { skip: skipUnlessPresent(hasOpenssl() ? false : "openssl is not installed (test/setup.sh installs it when run as root)") }, async () => {
    const certs = makeTestCertificates();
    const tokenFile = join(certs.dir, "lab.token");
    writeFileSync(tokenFile, "python-client-token-0123456789\n");
    const secured = await Context.start("py_secured", {
      config: {
        logging: { console_loglevel: "ERROR" },
        security: { token_file: tokenFile, tls: { cert: certs.cert, key: certs.key, ca: certs.ca, require_client_cert: true } },
      },
    });
    try {
      await secured.makeInstrument("nsg", NoisySineGenerator);
      await secured.makeTask("task", DemoRpcControlTask);
      const tls = ["--tls-ca", certs.ca, "--tls-cert", certs.cert, "--tls-key", certs.key];
      const script = ["examples/python/qmi_client.py", "--address", secured.address, "--task", "task", ...tls];
      const result = await run(PYTHON, [...script, "--auth-token-file", tokenFile]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(result.stdout.trim().split("\n"), expectedLines("py_secured"));
      const refused = await run(PYTHON, script);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /UNAUTHENTICATED/);
    } finally {
      await secured.stop();
      certs.remove();
    }
  });
});
