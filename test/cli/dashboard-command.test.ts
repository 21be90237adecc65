/**
 * `qmi dashboard` as a command: its help, refusals of bad usage (exit status 2) and of a port in use (1), the
 * configuration's `dashboard.port`, a warning when it serves beyond this machine without a token, and a clean stop
 * on SIGTERM (exit status 0).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, watchProcess } from "../helpers/child-context.ts";
import { qmiInProcess } from "../helpers/cli-in-process.ts";
import { freeTcpPort } from "../helpers/free-port.ts";
import { QMI } from "../helpers/proc-harness.ts";
import { labConfig } from "../dashboard/support/lab.ts";

describe("qmi dashboard", () => {
  it("prints its help", async () => {
    const run = await qmiInProcess(["dashboard", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: qmi dashboard \[options\]/);
    assert.match(run.stdout, /--import <file>/);
  });

  it("refuses bad usage with exit status 2, before joining the lab", async () => {
    const cases: [string[], RegExp][] = [
      [["--port", "70000"], /--port must be a port number in \[0, 65535\], found "70000"/],
      [["--port", "eighty"], /--port must be a port number/],
      [["--address", "instr_server"], /--address "instr_server": write <context>=<host:port>/],
      [["--name", "two words"], /--name "two words": a context name/],
      [["--import", "no/such/file.ts"], /--import no\/such\/file.ts: no such file/],
      [["--frobnicate"], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const run = await qmiInProcess(["dashboard", ...args]);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, message);
    }
  });

  it("fails with exit status 1 when its port is taken, or the configuration is wrong", async () => {
    const lab = await labConfig("dash_cli");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const run = await qmiInProcess(["dashboard", "--config", lab.file, "--port", port, "--name", "dash_cli_taken"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /EADDRINUSE|address already in use/i);
    } finally {
      taken.close();
    }
    const bad = join(lab.dir, "bad.conf");
    writeFileSync(bad, JSON.stringify({ dashboard: { port: "eighty" } }));
    const run = await qmiInProcess(["dashboard", "--config", bad]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /dashboard\.port: expected an integer port number/);
  });

  it("serves on the configuration's dashboard.port, warns off loopback without a token, and stops on SIGTERM", async () => {
    const lab = await labConfig("dash_cli_port");
    const port = await freeTcpPort();
    const config = lab.variant("port.conf", { dashboard: { port, host: "0.0.0.0" } });
    const child = watchProcess(process.execPath, [QMI, "dashboard", "--config", config], process.env, ROOT);
    try {
      await child.waitForLine(new RegExp(`at http://0\\.0\\.0\\.0:${port}/ \\(Ctrl-C to stop\\)`), 60);
      assert.match(child.output(), /warning: serving http:\/\/0\.0\.0\.0:\d+\/ beyond this machine without security\.token/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/session`)).status, 200);
      child.process.kill("SIGTERM");
      assert.equal(await child.waitForExit(20), 0, child.output());
      assert.match(child.output(), /Dashboard stopped \(SIGTERM\)/);
    } finally {
      child.kill();
    }
  });
});
