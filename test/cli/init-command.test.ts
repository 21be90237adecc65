/**
 * `qmi init`: the scaffold's files and pinned dependencies, the refusal of a non-empty folder, and the real flow in
 * the scaffolded folder: `qmi gen`, the scaffold's own test, and its server and client as two processes. qmi-ts is
 * linked instead of installed (`node_modules/qmi-ts` → this repository, run with the `qmi-ts-source` condition).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { SERVER_PORT } from "../../cli/init-templates.ts";
import { ROOT, startChild, type Child } from "../helpers/child-context.ts";

const ownManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};

/** tsx's loader, by URL, since the scaffold has no node_modules/tsx of its own. */
const TSX = import.meta.resolve("tsx");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` in `cwd` with a bounded timeout, as a program of its own (not a subtest of this run). */
function node(args: readonly string[], cwd: string): Promise<Run> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(process.execPath, [...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the `qmi` bin of this repository in `cwd`. */
function qmi(cwd: string, ...args: string[]): Promise<Run> {
  return node([path.join(ROOT, "cli/qmi.mjs"), ...args], cwd);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const scaffoldFiles = [
  "package.json",
  "tsconfig.json",
  "drivers/acme/psu.ts",
  "scripts/server.ts",
  "scripts/client.ts",
  "qmi.conf",
  "test/psu.test.ts",
  "README.md",
  ".gitignore",
];

describe("runInit (qmi init)", () => {
  let tmp = "";
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-init-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("is listed by qmi --help and has its own --help", async () => {
    assert.match((await qmi(tmp, "--help")).stdout, /init\s+create a lab project/);
    const help = await qmi(tmp, "init", "--help");
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: qmi init <dir>/);
  });

  it("writes the project, named after the folder, with qmi-ts and tsx pinned and the qmi section", async () => {
    const result = await qmi(tmp, "init", "Acme Lab");
    assert.equal(result.code, 0, result.stderr);
    const dir = path.join(tmp, "Acme Lab");
    for (const file of scaffoldFiles) {
      assert.ok(fs.existsSync(path.join(dir, file)), `${file} written`);
      assert.match(result.stdout, new RegExp(`^  ${file.replace(/\./g, "\\.")}$`, "m"));
    }
    assert.match(result.stdout, /npx qmi gen/);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(pkg.name, "acme-lab");
    assert.equal(pkg.type, "module");
    assert.equal(pkg.private, true);
    assert.deepEqual(pkg.dependencies, { "qmi-ts": ownManifest.version, tsx: ownManifest.dependencies.tsx });
    assert.deepEqual(pkg.qmi, { roots: ["drivers"], protoPackage: "acme_lab" });
    assert.deepEqual(Object.keys(pkg.scripts as object), ["gen", "test", "typecheck", "server", "client"]);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")) as { include: string[] };
    assert.deepEqual(tsconfig.include, ["drivers", "generated", "scripts", "test"]);
  });

  it("takes --name and a --qmi-ts spec such as a tarball", async () => {
    const result = await qmi(tmp, "init", "b", "--name", "@acme/bench", "--qmi-ts", "file:/tmp/qmi-ts-0.1.0.tgz");
    assert.equal(result.code, 0, result.stderr);
    const pkg = JSON.parse(fs.readFileSync(path.join(tmp, "b", "package.json"), "utf8")) as {
      name: string;
      dependencies: Record<string, string>;
      qmi: { protoPackage: string };
    };
    assert.equal(pkg.name, "@acme/bench");
    assert.equal(pkg.dependencies["qmi-ts"], "file:/tmp/qmi-ts-0.1.0.tgz");
    assert.equal(pkg.qmi.protoPackage, "acme.bench");
  });

  it("refuses a non-empty folder with exit code 2 and writes nothing", async () => {
    const dir = path.join(tmp, "full");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "notes.txt"), "keep\n");
    const result = await qmi(tmp, "init", "full");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /is not empty/);
    assert.deepEqual(fs.readdirSync(dir), ["notes.txt"]);
  });

  it("refuses an invalid --name with exit code 2", async () => {
    const result = await qmi(tmp, "init", "c", "--name", "Not Valid");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a valid npm package name/);
  });
});

describe("a project made by qmi init (linked qmi-ts)", () => {
  let tmp = "";
  let dir = "";
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-init-flow-"));
    const made = await qmi(tmp, "init", "acme-lab");
    assert.equal(made.code, 0, made.stderr);
    dir = path.join(tmp, "acme-lab");
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "qmi-ts"), "dir");
    // The linked checkout has no dist/: let the generator resolve qmi-ts's declarations from its sources.
    const tsconfigFile = path.join(dir, "tsconfig.json");
    const tsconfig = JSON.parse(fs.readFileSync(tsconfigFile, "utf8")) as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions.customConditions = ["qmi-ts-source"];
    fs.writeFileSync(tsconfigFile, JSON.stringify(tsconfig, null, 2));
    // Another port than the scaffold's fixed one, so that the test never meets a server left running.
    const conf = path.join(dir, "qmi.conf");
    fs.writeFileSync(conf, fs.readFileSync(conf, "utf8").replace(String(SERVER_PORT), String(await freePort())));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("generates, passes its own test, and runs its server and client as two processes", async () => {
    const gen = await qmi(dir, "gen");
    assert.equal(gen.code, 0, gen.stderr);
    assert.ok(fs.existsSync(path.join(dir, "generated/drivers/acme/psu.ts")));
    assert.ok(fs.existsSync(path.join(dir, "idl/acme_lab/drivers/acme/psu.proto")));

    const test = await node(["--conditions=qmi-ts-source", "--import", TSX, "--test", "test/psu.test.ts"], dir);
    assert.equal(test.code, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /^# pass 1$/m);

    const env = { NODE_OPTIONS: "--conditions=qmi-ts-source" };
    const children: Child[] = [];
    try {
      const server = startChild(path.join(dir, "scripts/server.ts"), [], env, dir);
      children.push(server);
      await server.waitForLine(/^psu_server listening on port \d+/, 30);
      const client = startChild(path.join(dir, "scripts/client.ts"), [], env, dir);
      children.push(client);
      await client.waitForLine(/^voltage 12 V; signal: 12 V$/, 30);
      await client.waitForLine(/^refused: InvalidArgumentError: volts must be in \[0, 30\], got 99$/, 10);
      assert.equal(await client.waitForExit(20), 0, client.output());
    } finally {
      for (const child of children) child.kill();
    }
  });
});
