/**
 * The tutorial examples, each run as a real child process (`node --import tsx`), on 127.0.0.1 and ephemeral ports
 * only. Every child is killed (its whole process group) when it overruns its time.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../runtime/config/config.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = import.meta.resolve("tsx");

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns `command args` in its own process group, in the repository root. */
function launch(command: string, args: readonly string[]): ChildProcess {
  return spawn(command, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

/** Collects a child's output until it exits; kills its process group after `timeoutMs`. */
function finish(child: ChildProcess, timeoutMs: number): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Runs `examples/<file>` with tsx and waits (bounded) for it to exit. */
function runExample(file: string, args: readonly string[] = [], timeoutMs = 15_000): Promise<Outcome> {
  return finish(launch(process.execPath, ["--import", TSX, join("examples", file), ...args]), timeoutMs);
}

function assertSuccess(outcome: Outcome): void {
  assert.equal(outcome.code, 0, `exit code ${outcome.code} (${outcome.signal})\nstdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`);
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e[-+]?\d+)?`;

describe("examples/hello.ts", () => {
  it("starts, prints and stops the context", async () => {
    const outcome = await runExample("hello.ts");
    assertSuccess(outcome);
    assert.match(outcome.stdout, /^Context\(name='hello_world'\)$/m);
    assert.match(outcome.stdout, /^serving on 127\.0\.0\.1:\d+$/m);
  });
});

describe("examples/nsg-demo.ts", () => {
  it("prints the proxy, help, the not-open error and a short plot", async () => {
    const outcome = await runExample("nsg-demo.ts", ["5", "0"]);
    assertSuccess(outcome);
    const out = outcome.stdout;
    assert.match(out, /<rpc proxy for nsg_demo\.nsg \(qmi\.drivers\.dummy\.noisy_sine_generator\.NoisySineGenerator\)>/);
    assert.match(out, /^RPC methods:$/m);
    assert.match(out, /^getSample\(\): Promise<number>$/m);
    assert.match(out, /^Whoops: NotOpenError: .*not open/m);
    assert.match(out, new RegExp(`^one sample: ${NUMBER}$`, "m"));
    assert.equal(out.split("\n").filter((line) => /^ +\*$/.test(line)).length, 5);
  });
});

describe("examples/measure-demo.ts", () => {
  it("takes 1000 samples and prints their mean", async () => {
    const outcome = await runExample("measure-demo.ts");
    assertSuccess(outcome);
    assert.match(outcome.stdout, /^number of samples: 1000$/m);
    assert.match(outcome.stdout, new RegExp(`^mean sample value: ${NUMBER}$`, "m"));
  });
});

describe("examples/lock-demo.ts", () => {
  it("walks through the tutorial's locking section", async () => {
    const outcome = await runExample("lock-demo.ts");
    assertSuccess(outcome);
    const answers = [...outcome.stdout.matchAll(/-> (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(answers.filter((a) => a === "true" || a === "false"), [
      "true", "true", "true", "true", "true", "false", "true", "false", "true", "true",
    ]);
    assert.match(outcome.stdout, /nsg2\.getSample\(\) +-> LockedError: The object is locked by another proxy/);
    assert.match(outcome.stderr, /WARNING.*Unlock request for lock_demo\.nsg from lock_demo failed/);
    assert.match(outcome.stderr, /WARNING.*lock_demo\.nsg forcefully unlocked/);
  });
});

describe("examples/qmi.conf", () => {
  it("is the tutorial's configuration", () => {
    const { config } = loadConfig(join(ROOT, "examples", "qmi.conf"));
    assert.equal(config.logging?.console_loglevel, "INFO");
    assert.deepEqual(config.contexts?.instr_server, { host: "127.0.0.1", tcp_server_port: 40001 });
  });
});

describe("examples/instr-server.ts with its clients", () => {
  let server: ChildProcess;
  let serverDone: Promise<Outcome>;
  let address: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qmi-examples-"));
    server = launch(process.execPath, ["--import", TSX, join("examples", "instr-server.ts"), "--port", "0"]);
    serverDone = finish(server, 45_000);
    serverDone.catch(() => undefined); // reported by the shutdown test
    address = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`no address within 10 s; stdout: ${seen}`)), 10_000);
      server.stdout!.on("data", (chunk: Buffer) => {
        seen += chunk;
        const match = /^instr_server\.nsg serving on (127\.0\.0\.1:\d+)$/m.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
  });

  after(() => {
    killGroup(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("instr-client.ts --address samples the remote nsg", async () => {
    const outcome = await runExample("instr-client.ts", ["--address", address]);
    assertSuccess(outcome);
    assert.match(outcome.stdout, /<rpc proxy for instr_server\.nsg /);
    assert.equal(outcome.stdout.match(new RegExp(`^sample: ${NUMBER}$`, "gm"))?.length, 5);
  });

  it("instr-client.ts --config finds the server through contexts.instr_server", async () => {
    const port = Number(address.split(":")[1]);
    const config = join(dir, "qmi.conf");
    writeFileSync(config, `{\n  # ephemeral port of the test server\n  contexts: { instr_server: { host: "127.0.0.1", tcp_server_port: ${port} } } }\n`);
    const outcome = await runExample("instr-client.ts", ["--config", config]);
    assertSuccess(outcome);
    assert.equal(outcome.stdout.match(new RegExp(`^sample: ${NUMBER}$`, "gm"))?.length, 5);
  });

  it("autoconnect-client.ts --address connects through getInstrument", async () => {
    const outcome = await runExample("autoconnect-client.ts", ["--address", address]);
    assertSuccess(outcome);
    assert.match(outcome.stdout, new RegExp(`^sample: ${NUMBER}$`, "m"));
  });

  it("the server stops cleanly on Ctrl-C (SIGINT)", async () => {
    server.kill("SIGINT");
    const outcome = await serverDone;
    assertSuccess(outcome);
    assert.match(outcome.stdout, /^stopping \(SIGINT\)$/m);
    assert.match(outcome.stdout, /^stopped$/m);
  });
});

describe("npm run demo", () => {
  it("runs the tutorial's main flow, remote part included, and exits 0", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const outcome = await finish(launch(npm, ["run", "demo"]), 30_000);
    assertSuccess(outcome);
    const out = outcome.stdout;
    for (const heading of [
      "Hello QMI!",
      "Controlling a QMI instrument",
      "A simple QMI measurement script",
      "Accessing a remote instrument",
      "Using the 'autoconnect' option",
    ]) {
      assert.ok(out.includes(`=== ${heading} `), `heading ${heading} missing`);
    }
    assert.match(out, /^Whoops: NotOpenError: /m);
    assert.match(out, /^number of samples: 1000$/m);
    assert.match(out, new RegExp(`^remote sample: ${NUMBER}$`, "m"));
    assert.match(out, /\[instr_server\] stopping \(demo finished\)/);
    assert.match(out, /^instrument server exited with code 0$/m);
  });
});
