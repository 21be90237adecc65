/**
 * The SSH path end to end: a throwaway sshd on 127.0.0.1 (see `test/helpers/sshd.ts`), a configuration whose
 * host entry names it (`ssh_host`, `ssh_user`, `ssh_port`, `ssh_options`, `server_command`), and `qmi proc`
 * starting, probing and stopping a real program through the remote `qmi proc server`. Skips, saying why, only
 * when sshd cannot be installed or started, and fails instead under CI (see `test/helpers/requirements.ts`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSshProcServer } from "../../../runtime/process-manager/ssh-client.ts";
import { isProcessAlive } from "../../../runtime/process-manager/stopper.ts";
import type { ProcessHostConfig } from "qmi-ts";
import { ROOT } from "../../helpers/child-context.ts";
import { freeTcpPort } from "../../helpers/free-port.ts";
import { QMI, killSeen, outputFiles, runQmi, waitForFileText, writeProcConfig } from "../../helpers/proc-harness.ts";
import { startSshd, type TestSshd } from "../../helpers/sshd.ts";
import { skipOrFail } from "../../helpers/requirements.ts";

let dir: string;
let sshd: TestSshd | undefined;
let skip: string | false = false;
let config: string;
let host: ProcessHostConfig;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "qmi-proc-ssh-"));
  const started = await startSshd(dir);
  if ("skip" in started) {
    skip = started.skip;
    return;
  }
  sshd = started;
  const configPath = join(dir, "qmi.conf");
  host = {
    ssh_host: "127.0.0.1",
    ssh_user: sshd.user,
    ssh_port: sshd.port,
    ssh_options: [...sshd.sshOptions],
    server_command: `cd ${ROOT} && ${process.execPath} ${QMI} proc server --grace 1 --config ${configPath}`,
  };
  config = writeProcConfig(
    dir,
    { remote_fx: { port: await freeTcpPort() }, remote_stubborn: { port: await freeTcpPort(), args: ["--ignore-shutdown"] } },
    { hosts: { "127.0.0.1": host } },
  );
});

after(async () => {
  killSeen();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("qmi proc over SSH", () => {
  it("starts, shows and stops a context through the remote qmi proc server", { timeout: 120_000 }, async (t) => {
    if (skip) return skipOrFail(t, skip);
    const started = await runQmi(["proc", "--config", config, "start", "remote_fx"], 90_000);
    assert.equal(started.code, 0, `${started.stdout}${started.stderr}\nsshd log:\n${sshd!.log()}`);
    const match = /^remote_fx: STARTED \(pid (\d+), on 127\.0\.0\.1,/m.exec(started.stdout);
    assert.ok(match, started.stdout);
    const pid = Number(match[1]);
    assert.equal(isProcessAlive(pid), true);
    await waitForFileText(outputFiles(dir, "remote_fx")[0]!, "fixture remote_fx running");

    const locals = await runQmi(["proc", "--config", config, "status", "--locals"]);
    assert.match(locals.stdout, /No contexts selected/, "a host reached over SSH is not local");
    const status = await runQmi(["proc", "--config", config, "status", "remote_fx"]);
    assert.match(status.stdout, new RegExp(`remote_fx\\s+127\\.0\\.0\\.1:\\d+\\s+RUNNING\\s+${pid}`));

    const again = await runQmi(["proc", "--config", config, "start", "remote_fx"]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, new RegExp(`remote_fx: ALREADY RUNNING \\(pid ${pid},`));

    const stopped = await runQmi(["proc", "--config", config, "stop", "remote_fx"]);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`remote_fx: STOPPED \\(pid ${pid}, gracefully`));
  });

  it("escalates over SSH (STOP <context> <pid>) when the program ignores the Shutdown request", { timeout: 120_000 }, async (t) => {
    if (skip) return skipOrFail(t, skip);
    const started = await runQmi(["proc", "--config", config, "start", "remote_stubborn"], 90_000);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
    const stopped = await runQmi(["proc", "--config", config, "--grace", "1", "stop", "remote_stubborn"], 90_000);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`remote_stubborn: STOPPED \\(pid ${pid}, terminated with SIGTERM`));
    assert.equal(isProcessAlive(pid), false);
  });

  it("gets a clean ERR for an unknown request, and a clear error when ssh cannot log in", { timeout: 60_000 }, async (t) => {
    if (skip) return skipOrFail(t, skip);
    const server = openSshProcServer("127.0.0.1", host);
    try {
      assert.match(await server.request("FROBNICATE now", 30), /^ERR unknown request "FROBNICATE now"/);
      assert.equal(await server.request("STOP remote_fx 999999", 30), "OK 0");
    } finally {
      await server.close();
    }
    const refused = openSshProcServer("127.0.0.1", { ...host, ssh_options: ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null"] });
    try {
      await assert.rejects(refused.start("remote_fx", 30), /The process-management server on .*127\.0\.0\.1:\d+ did not answer: ssh exited \(code 255\).*Check process_management\.hosts\.127\.0\.0\.1/s);
    } finally {
      await refused.close();
    }
  });
});
