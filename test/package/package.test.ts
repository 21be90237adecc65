/**
 * The published package, as a lab's own project gets it: `npm pack` (which builds dist/ through prepack), the
 * tarball installed into a fresh project, then used from plain node (ESM and CommonJS, no loader), through its
 * `qmi` bin, and type-checked by the project's own tsc under strict options; and the README's lab-project flow on
 * the same tarball: `qmi init`, a second driver, `qmi gen`, a server and clients as separate processes, the
 * scaffold's test and its type check.
 *
 * The tree is copied (without node_modules, .git and dist) to a temporary folder and packed there, so that the
 * build never touches the working tree's dist/; one packed and installed project serves every check.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { watchProcess } from "../helpers/child-context.ts";
import { freeTcpPort } from "../helpers/free-port.ts";
import { BAD_CALL, DMM_DRIVER, LAB_CLIENT, LAB_SERVER } from "./lab-flow-sources.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Environment of the children: no loader or condition of this test run, no npm script context of `npm test`, and
 * not the test runner's own child protocol (a `node --test` child would report to it instead of printing).
 */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !["NODE_OPTIONS", "NODE_TEST_CONTEXT", "npm_config_local_prefix"].includes(key) && !/^npm_(package|lifecycle)_/.test(key),
  ),
);
childEnv.PATH = [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter);

interface RunResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs `file args` in `cwd`, killed after `timeoutMs`; resolves with its exit code (or signal) and output. */
function run(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? ((error as { signal?: string }).signal ?? Number((error as { code?: unknown }).code ?? 1)) : 0;
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

function describeRun(what: string, result: RunResult): string {
  return `${what}: exit ${result.code} after ${result.seconds.toFixed(1)} s\n${result.stdout}\n${result.stderr}`;
}

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/**
 * The ESM consumer: the runtime and a built-in driver by package name, hosted and sampled, and a data set written to
 * an HDF5 file and read back through `qmi-ts/data` (h5wasm installed as a dependency), no loader.
 */
const esmScript = `import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { DataSet, readDataSet, writeDataSet } from "qmi-ts/data";

const resolved = [
  import.meta.resolve("qmi-ts"),
  import.meta.resolve("qmi-ts/drivers/dummy/noisy-sine-generator"),
  import.meta.resolve("qmi-ts/runtime/scpi-instrument"),
  import.meta.resolve("qmi-ts/data"),
];
const { ScpiInstrument } = await import("qmi-ts/runtime/scpi-instrument");
if (typeof ScpiInstrument !== "function") throw new Error("qmi-ts/runtime/scpi-instrument has no ScpiInstrument");
await qmi.start("package_esm", { config: null });
try {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await nsg.open();
  const sample = await nsg.getSample();
  await nsg.close();
  await writeDataSet("samples.h5", new DataSet({ name: "samples", columns: [{ name: "v", data: Float64Array.of(sample, -0.5), unit: "V" }] }));
  const data = [...(await readDataSet("samples.h5", "samples")).columnOrThrow("v").data];
  console.log(JSON.stringify({ resolved, sample, data, port: qmi.context().tcpServerPort, execArgv: process.execArgv }));
} finally {
  await qmi.stop();
}
`;

/** The CommonJS consumer: require() where Node can require ES modules (20.19+), import() everywhere. */
const cjsScript = `const canRequire = process.features.require_module === true;
let required;
try {
  required = require("qmi-ts");
} catch (error) {
  required = error.code;
}
(async () => {
  const qmi = await import("qmi-ts");
  const { NoisySineGenerator } = await import("qmi-ts/drivers/dummy/noisy-sine-generator");
  await qmi.start("package_cjs", { config: null });
  try {
    const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
    await nsg.open();
    const sample = await nsg.getSample();
    console.log(JSON.stringify({ canRequire, required: typeof required === "string" ? required : required === qmi, sample }));
  } finally {
    await qmi.stop();
  }
})();
`;

/** Type-checks against the declarations: hosting, a remote typed proxy and data sets, under the strictest options. */
const goodTs = `import * as qmi from "qmi-ts";
import { DataFile, DataSet, readDataSet, type DataSetInfo } from "qmi-ts/data";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

export async function hosted(): Promise<number> {
  await qmi.start("typed_host", { config: null });
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await nsg.open();
  await nsg.setAmplitude(2.5);
  const sample: number = await nsg.getSample();
  await qmi.stop();
  return sample;
}

export async function remote(address: string): Promise<number> {
  let sample = 0;
  await qmi.startStop(
    "typed_client",
    async (context) => {
      await context.connectToPeer("instr_server", { address });
      const nsg: NoisySineGeneratorProxy = await qmi.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
      await qmi.openClose(nsg, async (nsg) => {
        sample = await nsg.getSample({ timeout: 5 });
      });
    },
    { config: null },
  );
  return sample;
}

export async function stored(path: string): Promise<DataSetInfo[]> {
  const file = await DataFile.create(path);
  try {
    file.writeDataSet(new DataSet({ name: "run", columns: [{ name: "t", data: BigInt64Array.of(1n), unit: "ns" }], attributes: { ok: true } }));
    file.createDataSet({ name: "trace", columns: [{ name: "v", type: "float32" }] }).appendRows({ v: Float32Array.of(0.5) });
  } finally {
    file.close();
  }
  const data: Float64Array | BigInt64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigUint64Array =
    (await readDataSet(path, "run", { maxBytes: 1024 })).columnOrThrow("t").data;
  const again = await DataFile.open(path);
  try {
    return data.length > 0 ? again.listDataSets() : [];
  } finally {
    again.close();
  }
}
`;

/** One deliberate error: a string where the typed proxy takes a number. */
const badTs = `import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

export async function wrongArgument(): Promise<void> {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await nsg.setAmplitude("loud");
}
`;

const consumerTsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ["good.ts", "bad.ts"],
};

let work = "";
let tarball = "";
let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };

before(
  async () => {
    work = mkdtempSync(join(tmpdir(), "qmi-package-"));
    const stage = join(work, "qmi-ts");
    const skipped = new Set(["node_modules", ".git", "dist"]);
    cpSync(ROOT, stage, { recursive: true, filter: (src) => !skipped.has(relative(ROOT, src).split(sep)[0]!) });
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"), "dir");

    const pack = await run("npm", ["pack", "--json", "--pack-destination", work], stage, 150_000);
    assert.equal(pack.code, 0, describeRun("npm pack", pack));
    [packed] = JSON.parse(pack.stdout) as [typeof packed];
    tarball = join(work, packed.filename);
    console.log(`npm pack: ${packed.filename}, ${packed.size} bytes, ${packed.entryCount} files, ${pack.seconds.toFixed(1)} s`);
  },
  { timeout: 180_000 },
);

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("qmi-ts package (npm pack, installed into a fresh project)", () => {
  let project = "";

  before(
    async () => {
      project = join(work, "lab");
      mkdirSync(project);
      const init = await run("npm", ["init", "-y"], project, 30_000);
      assert.equal(init.code, 0, describeRun("npm init -y", init));
      const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(project, "package.json"), JSON.stringify({ ...pkg, type: "module" }, null, 2));
      const install = await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], project, 150_000);
      assert.equal(install.code, 0, describeRun("npm install <tarball>", install));
      console.log(`npm install <tarball>: ${install.seconds.toFixed(1)} s`);
    },
    { timeout: 180_000 },
  );

  it("packs compiled JavaScript with declarations, the .proto files, the bin, LICENSE and README, and nothing else", () => {
    const paths = packed.files.map((f) => f.path).sort();
    const unexpected = paths.filter(
      (p) => !/^(dist|idl)\//.test(p) && !["LICENSE", "README.md", "package.json", "cli/qmi.mjs"].includes(p),
    );
    assert.deepEqual(unexpected, []);
    assert.deepEqual(paths.filter((p) => /^(test|bench|\.ci|examples|codegen|runtime|drivers|generated)\//.test(p) && p !== "cli/qmi.mjs"), []);
    assert.deepEqual(paths.filter((p) => /\.[cm]?ts$/.test(p) && !/\.d\.[cm]?ts$/.test(p)), [], "TypeScript sources");
    for (const p of ["dist/runtime/index.js", "dist/runtime/index.d.ts", "dist/cli/bin.js", "dist/codegen/main.js"]) {
      assert.ok(paths.includes(p), p);
    }
    // The dashboard's page is bundled browser code, with no declarations.
    const page = paths.filter((p) => p.startsWith("dist/dashboard/web/"));
    assert.deepEqual(page, ["dist/dashboard/web/app.css", "dist/dashboard/web/app.js", "dist/dashboard/web/index.html"]);
    const jsWithoutTypes = paths.filter((p) => p.endsWith(".js") && !page.includes(p) && !paths.includes(p.replace(/\.js$/, ".d.ts")));
    assert.deepEqual(jsWithoutTypes, []);
    const protos = filesUnder(join(ROOT, "idl")).filter((p) => p.endsWith(".proto")).map((p) => `idl/${p}`).sort();
    assert.ok(protos.includes("idl/qmi/core/context.proto"));
    assert.deepEqual(paths.filter((p) => p.endsWith(".proto")), protos);
  });

  it("runs from plain node (ESM, no loader): imports qmi-ts and a built-in driver, hosts it and samples it, and writes and reads a data set", async () => {
    writeFileSync(join(project, "hello.mjs"), esmScript);
    const result = await run(process.execPath, ["hello.mjs"], project, 60_000);
    assert.equal(result.code, 0, describeRun("node hello.mjs", result));
    const out = JSON.parse(result.stdout) as { resolved: string[]; sample: number; data: number[]; port: number; execArgv: string[] };
    assert.deepEqual(out.execArgv, []);
    assert.match(out.resolved[0]!, /\/node_modules\/qmi-ts\/dist\/runtime\/index\.js$/);
    assert.match(out.resolved[1]!, /\/node_modules\/qmi-ts\/dist\/drivers\/dummy\/noisy-sine-generator\.js$/);
    assert.match(out.resolved[2]!, /\/node_modules\/qmi-ts\/dist\/runtime\/driver\/scpi-instrument\.js$/);
    assert.match(out.resolved[3]!, /\/node_modules\/qmi-ts\/dist\/runtime\/data\/index\.js$/);
    assert.ok(Number.isFinite(out.sample), `sample ${out.sample}`);
    assert.deepEqual(out.data, [out.sample, -0.5]);
    assert.ok(out.port > 0);
  });

  it("answers CommonJS: require() gives the same module as import() where Node requires ES modules, else ERR_REQUIRE_ESM", async () => {
    writeFileSync(join(project, "hello.cjs"), cjsScript);
    const result = await run(process.execPath, ["hello.cjs"], project, 60_000);
    assert.equal(result.code, 0, describeRun("node hello.cjs", result));
    const out = JSON.parse(result.stdout) as { canRequire: boolean; required: boolean | string; sample: number };
    assert.equal(out.required, out.canRequire ? true : "ERR_REQUIRE_ESM");
    assert.ok(Number.isFinite(out.sample), `sample ${out.sample}`);
  });

  it("installs a qmi bin that runs the compiled CLI, gen included", async () => {
    const bin = join(project, "node_modules", ".bin", "qmi");
    const help = await run(bin, ["--help"], project, 30_000);
    assert.equal(help.code, 0, describeRun("qmi --help", help));
    assert.match(help.stdout, /Usage: qmi <command>/);
    const gen = await run(bin, ["gen", "--help"], project, 30_000);
    assert.equal(gen.code, 0, describeRun("qmi gen --help", gen));
    assert.match(gen.stdout, /Usage: qmi gen/);
    const unknown = await run(bin, ["frobnicate"], project, 30_000);
    assert.equal(unknown.code, 2, describeRun("qmi frobnicate", unknown));
  });

  it("type-checks a consumer from the declarations only (strict, exactOptionalPropertyTypes, no skipLibCheck) and rejects a wrong argument type", async () => {
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(consumerTsconfig, null, 2));
    writeFileSync(join(project, "good.ts"), goodTs);
    writeFileSync(join(project, "bad.ts"), badTs);
    const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", ".", "--listFiles"], project, 100_000);
    console.log(`consumer tsc: ${result.seconds.toFixed(1)} s`);
    const errors = result.stdout.split("\n").filter((line) => /: error TS\d+:/.test(line));
    assert.equal(result.code, 2, describeRun("tsc", result));
    assert.deepEqual(errors, [
      "bad.ts(6,26): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ]);
    const read = result.stdout.split("\n").filter((line) => line.includes("/node_modules/qmi-ts/"));
    assert.ok(read.some((line) => line.endsWith("/node_modules/qmi-ts/dist/runtime/index.d.ts")), read.join("\n"));
    assert.deepEqual(read.filter((line) => !/\/node_modules\/qmi-ts\/dist\/.*\.d\.ts$/.test(line)), []);
  });
});

describe("a lab project from the README: qmi init on the tarball, a second driver, qmi gen, server and client", () => {
  let lab = "";
  let started = 0;
  const bin = (name: string) => join(lab, "node_modules", ".bin", name);

  before(
    async () => {
      started = performance.now();
      const init = await run(
        "npx",
        ["--yes", "--prefer-offline", "--package", tarball, "qmi", "init", "acme-lab", "--qmi-ts", `file:${tarball}`],
        work,
        120_000,
      );
      assert.equal(init.code, 0, describeRun("npx --package <tarball> qmi init acme-lab", init));
      lab = join(work, "acme-lab");
      const port = await freeTcpPort();
      const conf = join(lab, "qmi.conf");
      writeFileSync(conf, readFileSync(conf, "utf8").replace(/tcp_server_port: \d+/, `tcp_server_port: ${port}`));
      writeFileSync(join(lab, "drivers", "acme", "dmm.ts"), DMM_DRIVER);
      writeFileSync(join(lab, "scripts", "lab-server.ts"), LAB_SERVER);
      writeFileSync(join(lab, "scripts", "lab-client.ts"), LAB_CLIENT);
      const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], lab, 150_000);
      assert.equal(install.code, 0, describeRun("npm install", install));
    },
    { timeout: 300_000 },
  );

  after(() => {
    if (started) console.log(`lab project flow (init, install, gen, two processes, npm test, tsc): ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  it("generates the .proto files and typed proxies of both drivers with the project's proto package", async () => {
    const gen = await run(bin("qmi"), ["gen"], lab, 120_000);
    assert.equal(gen.code, 0, describeRun("qmi gen", gen));
    const written = filesUnder(lab).filter((p) => /^(idl|generated)\//.test(p)).sort();
    assert.deepEqual(written, [
      "generated/drivers/acme/dmm.ts",
      "generated/drivers/acme/psu.ts",
      "generated/index.ts",
      "idl/acme_lab/drivers/acme/dmm.proto",
      "idl/acme_lab/drivers/acme/psu.proto",
    ]);
    const proto = readFileSync(join(lab, "idl/acme_lab/drivers/acme/dmm.proto"), "utf8");
    assert.match(proto, /^package acme_lab\.drivers\.acme\.dmm;$/m);
    for (const rpc of ["Open", "Close", "IsOpen", "SetRange", "Read", "SubscribeMeasured"]) {
      assert.match(proto, new RegExp(`^  rpc ${rpc}\\(`, "m"), rpc);
    }
    const check = await run(bin("qmi"), ["gen", "--check"], lab, 120_000);
    assert.equal(check.code, 0, describeRun("qmi gen --check", check));
  });

  it("serves both drivers from a server process to client processes and the dashboard: calls, a refused argument, signals, a constant", async () => {
    const server = watchProcess(bin("tsx"), ["scripts/lab-server.ts"], childEnv, lab);
    try {
      const [, port] = await server.waitForLine(/^LISTENING (\d+)$/, 60);
      const scaffoldClient = await run(bin("tsx"), ["scripts/client.ts"], lab, 60_000);
      assert.equal(scaffoldClient.code, 0, describeRun("tsx scripts/client.ts", scaffoldClient));
      assert.match(scaffoldClient.stdout, /^voltage 12 V; signal: 12 V$/m);
      assert.match(scaffoldClient.stdout, /^refused: InvalidArgumentError: volts must be in \[0, 30\], got 99$/m);

      const described = await run(bin("qmi"), ["describe", "psu_server.dmm", "--address", `127.0.0.1:${port}`], lab, 60_000);
      assert.equal(described.code, 0, describeRun("qmi describe psu_server.dmm", described));
      assert.match(described.stdout, /MAX_RANGE\b.*1000/);
      assert.match(described.stdout, /acme_lab\.drivers\.acme\.dmm\.AcmeDmm/);

      await checkDashboard(port!);

      const client = await run(bin("tsx"), ["scripts/lab-client.ts"], lab, 60_000);
      assert.equal(client.code, 0, describeRun("tsx scripts/lab-client.ts", client));
      const result = JSON.parse(/^RESULT (.*)$/m.exec(client.stdout)?.[1] ?? "null") as unknown;
      assert.deepEqual(result, {
        reading: 25,
        signal: { volts: 25, range: 100 },
        refused: "InvalidArgumentError: range must be in [0.1, 1000] V, got 5000",
      });
      await server.waitForLine(/^STOPPED done$/, 20);
      assert.equal(await server.waitForExit(20), 0, server.output());
      assert.doesNotMatch(server.output(), /reachable in-process only/);
    } finally {
      server.kill();
    }
  });

  /**
   * `qmi dashboard` of the installed package, with the project's generated code imported: the bundled page, and
   * calls to the project's own driver with arguments read by its parameters' types.
   */
  async function checkDashboard(port: string): Promise<void> {
    const args = ["dashboard", "--port", "0", "--import", "generated/index.ts", "--address", `psu_server=127.0.0.1:${port}`];
    const dashboard = watchProcess(bin("qmi"), args, childEnv, lab);
    try {
      const [, url] = (await dashboard.waitForLine(/at (http:\/\/127\.0\.0\.1:\d+\/)/, 60)) as unknown as [string, string];
      assert.match(await (await fetch(url)).text(), /src="\/app.js"/);
      assert.ok((await (await fetch(`${url}app.js`)).text()).length > 30_000, "the bundled script");
      const session = await fetch(`${url}api/session`);
      const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0]!;
      const { csrf } = (await session.json()) as { csrf: string };
      const call = async (method: string, args: Record<string, string> = {}) => {
        const response = await fetch(`${url}api/call`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: url.replace(/\/$/, ""), cookie, "x-qmi-csrf": csrf },
          body: JSON.stringify({ context: "psu_server", object: "dmm", method, args }),
        });
        return (await response.json()) as unknown;
      };
      assert.deepEqual(await call("open"), { ok: true, result: null });
      assert.deepEqual(await call("setRange", { volts: "200" }), { ok: true, result: null });
      assert.deepEqual(await call("read"), { ok: true, result: 50 });
      assert.deepEqual(await call("setRange", { volts: "5000" }), {
        ok: false,
        error: { name: "InvalidArgumentError", message: "range must be in [0.1, 1000] V, got 5000" },
      });
      assert.deepEqual(await call("close"), { ok: true, result: null });
      dashboard.process.kill("SIGTERM");
      assert.equal(await dashboard.waitForExit(20), 0, dashboard.output());
    } finally {
      dashboard.kill();
    }
  }

  it("passes the scaffold's own npm test", async () => {
    const test = await run("npm", ["test"], lab, 120_000);
    assert.equal(test.code, 0, describeRun("npm test", test));
    assert.match(test.stdout, /^# pass 1$/m);
  });

  it("type-checks with tsc --noEmit, and fails on a call with a wrong argument type", async () => {
    const good = await run(bin("tsc"), ["--noEmit"], lab, 120_000);
    assert.equal(good.code, 0, describeRun("tsc --noEmit", good));
    writeFileSync(join(lab, "scripts", "bad-call.ts"), BAD_CALL);
    const bad = await run(bin("tsc"), ["--noEmit"], lab, 120_000);
    rmSync(join(lab, "scripts", "bad-call.ts"));
    assert.equal(bad.code, 2, describeRun("tsc --noEmit with scripts/bad-call.ts", bad));
    assert.deepEqual(
      bad.stdout.split("\n").filter((line) => /error TS\d+/.test(line)),
      ["scripts/bad-call.ts(6,22): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'."],
    );
  });
});
