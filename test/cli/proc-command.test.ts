/**
 * `qmi proc` end to end: real child processes started, probed, stopped (gracefully and by force) and restarted
 * through the command line, each test with its own temp folder, configuration and free ports on 127.0.0.1.
 * Every process started is killed (its process group) in `after`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ROOT } from "../helpers/child-context.ts";
import { freeTcpPort } from "../helpers/free-port.ts";
import { killSeen, outputFiles, runQmi, waitForFileText, writeProcConfig } from "../helpers/proc-harness.ts";
import { isProcessAlive } from "../../runtime/process-manager/stopper.ts";

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), "qmi-proc-"))));
after(() => {
  killSeen();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh sub-folder of the test's temp folder. */
function subdir(name: string): string {
  return mkdtempSync(join(dir, `${name}-`));
}

function pidOf(text: string, context: string): number {
  const match = new RegExp(`${context}: \\w+[^\\n]*?pid (\\d+)`).exec(text);
  assert.ok(match, `no pid for ${context} in:\n${text}`);
  return Number(match[1]);
}

describe("qmi proc --help", () => {
  it("prints the usage and each action's options", async () => {
    const top = await runQmi(["proc", "--help"]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Usage: qmi proc \[--config <file>\] \[--all \| --locals\] <action> \[context\]/);
    for (const action of ["start", "stop", "restart", "status", "server"]) {
      const help = await runQmi(["proc", action, "--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`Usage: qmi proc ${action}`));
    }
    const listed = await runQmi(["--help"]);
    assert.match(listed.stdout, /proc\s+start, stop, restart/);
  });

  it("rejects an unknown action or context with exit code 2 and says what exists", async () => {
    const d = subdir("usage");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort() } });
    const action = await runQmi(["proc", "--config", config, "launch", "fx"]);
    assert.equal(action.code, 2);
    assert.match(action.stderr, /unknown action "launch"; use one of start, stop, restart, status, server/);
    const context = await runQmi(["proc", "--config", config, "start", "nope"]);
    assert.equal(context.code, 2);
    assert.match(context.stderr, /Context "nope" is not configured .*configured: fx/);
    const none = await runQmi(["proc", "--config", config, "start"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Name a context, or pass --all/);
  });
});

describe("qmi proc with examples/proc-demo.ts", () => {
  it("starts, refuses a second start, shows status, stops gracefully; the output file has the program's lines", async () => {
    const d = subdir("demo");
    const config = writeProcConfig(d, {
      proc_demo: { port: await freeTcpPort(), program: join(ROOT, "examples", "proc-demo.ts"), workingDir: join(ROOT, "examples") },
    });
    const offline = await runQmi(["proc", "--config", config, "status"]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /context\s+host\s+state\s+pid\s+version\s+uptime/);
    assert.match(offline.stdout, /proc_demo\s+127\.0\.0\.1:\d+\s+OFFLINE/);

    const started = await runQmi(["proc", "--config", config, "start", "proc_demo"]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.match(started.stdout, /^proc_demo: STARTED \(pid \d+, output .*proc_demo_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.out/m);
    const pid = pidOf(started.stdout, "proc_demo");
    const [file] = outputFiles(d, "proc_demo");
    assert.ok(file, "an output file was written");
    assert.match(basename(file), /^proc_demo_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.out$/);
    await waitForFileText(file, "process is still running");

    const again = await runQmi(["proc", "--config", config, "start", "proc_demo"]);
    assert.equal(again.code, 1, "a second start is refused");
    assert.match(again.stdout, new RegExp(`proc_demo: ALREADY RUNNING \\(pid ${pid}, version \\d+\\.\\d+\\.\\d+\\); not starting a second copy`));

    const status = await runQmi(["proc", "--config", config, "status", "proc_demo"]);
    assert.match(status.stdout, new RegExp(`proc_demo\\s+127\\.0\\.0\\.1:\\d+\\s+RUNNING\\s+${pid}\\s+\\d+\\.\\d+\\.\\d+\\s+\\d+s`));

    const stopped = await runQmi(["proc", "--config", config, "stop", "proc_demo"]);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`proc_demo: STOPPED \\(pid ${pid}, gracefully after the Shutdown request`));
    assert.equal(isProcessAlive(pid), false);
    const output = readFileSync(file, "utf8");
    assert.match(output, /just started the background process\n(process is still running\n)+/);
    assert.match(output, /process now stopping/);
    assert.match(output, /^== qmi proc: .* starting context proc_demo: /);

    const twice = await runQmi(["proc", "--config", config, "stop", "proc_demo"]);
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /proc_demo: NOT RUNNING/);
  });
});

describe("qmi proc start", () => {
  it("passes the configuration file (QMI_CONFIG), program_args and env to the program", async () => {
    const d = subdir("pass");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), args: ["--extra", "two words"], env: { FIXTURE_ENV: "from-config" } } });
    const started = await runQmi(["proc", "--config", config, "start", "fx"]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const [file] = outputFiles(d, "fx");
    const output = await waitForFileText(file!, "fixture fx running");
    assert.match(output, /fixture args: --name fx --extra two words/);
    assert.ok(output.includes(`fixture QMI_CONFIG=${config}`), output);
    assert.match(output, /fixture FIXTURE_ENV=from-config/);
    const stopped = await runQmi(["proc", "--config", config, "stop", "fx"]);
    assert.match(stopped.stdout, /fx: STOPPED \(pid \d+, gracefully/);
  });

  it("fails clearly when the program exits early, quoting its output", async () => {
    const d = subdir("early");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), args: ["--exit-early"] } });
    const run = await runQmi(["proc", "--config", config, "start", "fx"]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /fx: FAILED fx: the program exited with code 3 before answering on 127\.0\.0\.1:\d+; see .*fx_.*\.out; its last lines:/);
    assert.match(run.stdout, /failing on purpose/);
  });

  it("fails and kills the program when it never answers within --timeout", async () => {
    const d = subdir("silent");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), args: ["--never-answer"] } });
    const run = await runQmi(["proc", "--config", config, "--timeout", "2", "start", "fx"]);
    assert.equal(run.code, 1);
    const match = /fx: FAILED fx: the program \(pid (\d+)\) did not answer on 127\.0\.0\.1:\d+ within 2 s, so it was killed/.exec(run.stdout);
    assert.ok(match, run.stdout);
    const deadline = Date.now() + 5000;
    while (isProcessAlive(Number(match[1])) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(isProcessAlive(Number(match[1])), false);
  });

  it("fails clearly when program_module does not exist", async () => {
    const d = subdir("missing");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), program: "no-such-program.ts" } });
    const run = await runQmi(["proc", "--config", config, "start", "fx"]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /program_module "no-such-program\.ts" is neither a file in .* nor a module resolvable from there/);
  });
});

describe("qmi proc stop escalation", () => {
  it("terminates (SIGTERM) a program that ignores the Shutdown request", async () => {
    const d = subdir("term");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), args: ["--ignore-shutdown"] } });
    const started = await runQmi(["proc", "--config", config, "start", "fx"]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const pid = pidOf(started.stdout, "fx");
    const stopped = await runQmi(["proc", "--config", config, "--grace", "1", "stop", "fx"]);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`fx: STOPPED \\(pid ${pid}, terminated with SIGTERM: it ignored the Shutdown request`));
    assert.equal(isProcessAlive(pid), false);
    const output = readFileSync(outputFiles(d, "fx")[0]!, "utf8");
    assert.match(output, /fixture shutdown requested: qmi proc stop/);
  });

  it("kills (SIGKILL) a program that ignores the Shutdown request and SIGTERM", async () => {
    const d = subdir("kill");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort(), args: ["--ignore-term"] } });
    const started = await runQmi(["proc", "--config", config, "start", "fx"]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const pid = pidOf(started.stdout, "fx");
    const stopped = await runQmi(["proc", "--config", config, "--grace", "1", "stop", "fx"]);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`fx: STOPPED \\(pid ${pid}, killed with SIGKILL`));
    assert.equal(isProcessAlive(pid), false);
    assert.match(readFileSync(outputFiles(d, "fx")[0]!, "utf8"), /ignoring SIGTERM/);
  });
});

describe("qmi proc restart and --all", () => {
  it("restart stops the running program and starts a new one", async () => {
    const d = subdir("restart");
    const config = writeProcConfig(d, { fx: { port: await freeTcpPort() } });
    const first = await runQmi(["proc", "--config", config, "start", "fx"]);
    const oldPid = pidOf(first.stdout, "fx");
    const restarted = await runQmi(["proc", "--config", config, "restart", "fx"]);
    assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
    assert.match(restarted.stdout, new RegExp(`^fx: STOPPED \\(pid ${oldPid}, gracefully[^\\n]*\\nfx: STARTED \\(pid \\d+`, "m"));
    const newPid = Number(/fx: STARTED \(pid (\d+)/.exec(restarted.stdout)![1]);
    assert.notEqual(newPid, oldPid);
    assert.equal(isProcessAlive(oldPid), false);
    const stopped = await runQmi(["proc", "--config", config, "stop", "fx"]);
    assert.match(stopped.stdout, new RegExp(`fx: STOPPED \\(pid ${newPid}, gracefully`));
  });

  it("--all starts and stops every enabled context with a program_module, and only those", async () => {
    const d = subdir("all");
    const config = writeProcConfig(d, {
      one: { port: await freeTcpPort() },
      two: { port: await freeTcpPort() },
      off: { port: await freeTcpPort(), enabled: false },
      plain: { port: await freeTcpPort(), program: null },
    });
    const started = await runQmi(["proc", "--config", config, "--all", "start"]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.match(started.stdout, /^one: STARTED/m);
    assert.match(started.stdout, /^two: STARTED/m);
    assert.doesNotMatch(started.stdout, /off:|plain:/);

    const again = await runQmi(["proc", "--config", config, "start", "--all"]);
    assert.equal(again.code, 0, "with --all, running contexts are left alone without failing");
    assert.match(again.stdout, /^one: ALREADY RUNNING \(pid \d+, version [^)]+\)$/m);

    const status = await runQmi(["proc", "--config", config, "status"]);
    assert.match(status.stdout, /^one\s+\S+\s+RUNNING\s+\d+/m);
    assert.match(status.stdout, /^two\s+\S+\s+RUNNING\s+\d+/m);
    assert.match(status.stdout, /^off\s+\S+\s+OFFLINE/m);
    assert.doesNotMatch(status.stdout, /^plain/m);

    const stopped = await runQmi(["proc", "--config", config, "stop", "--locals"]);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, /^one: STOPPED \(pid \d+, gracefully/m);
    assert.match(stopped.stdout, /^two: STOPPED \(pid \d+, gracefully/m);
  });

  it("exits 1 and counts the failures when one of several contexts fails", async () => {
    const d = subdir("mixed");
    const config = writeProcConfig(d, { good: { port: await freeTcpPort() }, bad: { port: await freeTcpPort(), args: ["--exit-early"] } });
    const run = await runQmi(["proc", "--config", config, "start", "--all"]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^good: STARTED/m);
    assert.match(run.stdout, /^bad: FAILED/m);
    assert.match(run.stdout, /1 of 2 contexts failed/);
    await runQmi(["proc", "--config", config, "stop", "--all"]);
  });
});
