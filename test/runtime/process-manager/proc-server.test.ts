/**
 * The process-management server's line protocol: `answerRequest` with stub handlers, then a real
 * `qmi proc server` child driven through its stdin/stdout, starting and stopping a real program.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { answerRequest, type ProcRequestHandlers } from "../../../runtime/process-manager/proc-server.ts";
import { isProcessAlive } from "../../../runtime/process-manager/stopper.ts";
import { ROOT } from "../../helpers/child-context.ts";
import { freeTcpPort } from "../../helpers/free-port.ts";
import { QMI, killGroup, killSeen, outputFiles, rememberPids, waitForFileText, writeProcConfig } from "../../helpers/proc-harness.ts";

describe("answerRequest", () => {
  const calls: string[] = [];
  const handlers: ProcRequestHandlers = {
    async start(context) {
      calls.push(`start ${context}`);
      if (context === "broken") throw new Error("cannot start broken:\nline two");
      return 4242;
    },
    async stop(context, pid) {
      calls.push(`stop ${context} ${pid}`);
      return pid === 7;
    },
  };

  it("answers START and STOP", async () => {
    assert.equal(await answerRequest("START demo", handlers), "OK 4242");
    assert.equal(await answerRequest("STOP demo 7", handlers), "OK 1");
    assert.equal(await answerRequest("  STOP demo 8  ", handlers), "OK 0");
    assert.equal(await answerRequest("STOP demo", handlers), "OK 0");
    assert.deepEqual(calls, ["start demo", "stop demo 7", "stop demo 8", "stop demo undefined"]);
  });

  it("turns a failure into one ERR line", async () => {
    assert.equal(await answerRequest("START broken", handlers), "ERR cannot start broken: | line two");
  });

  it("answers an unknown or malformed request with ERR instead of exiting", async () => {
    assert.match((await answerRequest("HELLO there", handlers))!, /^ERR unknown request "HELLO there": expected START <context>, STOP <context> \[<pid>\] or QUIT$/);
    assert.match((await answerRequest("START", handlers))!, /^ERR unknown request "START"/);
    assert.match((await answerRequest("START a b", handlers))!, /^ERR unknown request/);
    assert.match((await answerRequest("STOP demo x1", handlers))!, /^ERR invalid pid "x1"/);
    assert.equal(await answerRequest("   ", handlers), undefined);
    assert.equal(await answerRequest("QUIT", handlers), undefined);
  });
});

describe("qmi proc server", () => {
  let dir: string;
  let server: ChildProcessWithoutNullStreams | undefined;
  before(() => (dir = mkdtempSync(join(tmpdir(), "qmi-proc-server-"))));
  after(() => {
    killGroup(server?.pid);
    killSeen();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves START, STOP, an unknown request and QUIT over stdin/stdout", async () => {
    const config = writeProcConfig(dir, { fx: { port: await freeTcpPort() }, stubborn: { port: await freeTcpPort(), args: ["--ignore-shutdown"] } });
    server = spawn(process.execPath, [QMI, "proc", "server", "--grace", "1", "--config", config], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stderr = "";
    server.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    const answers: string[] = [];
    const waiting: ((line: string) => void)[] = [];
    createInterface({ input: server.stdout }).on("line", (line) => {
      rememberPids(line);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else answers.push(line);
    });
    const exited = new Promise<number | null>((resolve) => server!.once("exit", (code) => resolve(code)));
    const ask = (line: string, seconds = 40) => {
      server!.stdin.write(line + "\n");
      const ready = answers.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${line} within ${seconds} s; stderr:\n${stderr}`)), seconds * 1000);
        waiting.push((answer) => (clearTimeout(timer), resolve(answer)));
      });
    };

    assert.match(await ask("HELLO"), /^ERR unknown request "HELLO"/);
    const started = await ask("START fx");
    assert.match(started, /^OK \d+$/);
    const pid = Number(started.slice(3));
    assert.equal(isProcessAlive(pid), true);
    await waitForFileText(outputFiles(dir, "fx")[0]!, "fixture fx running");
    assert.match(await ask("START fx"), new RegExp(`^ERR fx is already running \\(pid ${pid}, version [^)]+\\); stop it first$`));
    assert.match(await ask("START nope"), /^ERR Context "nope" is not configured/);
    assert.match(await ask(`STOP fx ${pid + 1}`), /^(OK 0|ERR fx answers with pid \d+, not \d+; refusing)/);
    assert.equal(await ask(`STOP fx ${pid}`), "OK 1");
    assert.equal(isProcessAlive(pid), false);
    assert.equal(await ask(`STOP fx ${pid}`), "OK 0");

    const stubborn = await ask("START stubborn");
    assert.match(stubborn, /^OK \d+$/);
    assert.equal(await ask("STOP stubborn", 40), "OK 1", "STOP without a pid asks, then terminates");
    assert.equal(await ask("STOP stubborn"), "OK 0");

    server.stdin.write("QUIT\n");
    assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]), 0);
  });
});
