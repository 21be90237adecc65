/**
 * The CLI, as a child process with bounded timeouts: `--check` passes on the committed tree, and on a temporary
 * copy of a small project it fails (exit 1, naming the files) after the driver changes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runGen } from "../../codegen/main.ts";
import { repoRoot } from "./support/golden.ts";
import { genInProcess } from "./support/gen-in-process.ts";

const mainScript = path.join(repoRoot, "codegen", "main.ts");

/** Runs `tsx codegen/main.ts ...args` with a bounded timeout. */
function gen(args: readonly string[], cwd = repoRoot): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", mainScript, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Where the tests insert a method into the simulated generator's source (before its frequency getter's TSDoc). */
const FREQUENCY_GETTER = "  /**\n   * Get the frequency of the sine wave, Hz.";

describe("runGen", () => {
  let tmp = "";
  const driverFile = () => path.join(tmp, "drivers", "dummy", "noisy-sine-generator.ts");

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-codegen-"));
    fs.cpSync(path.join(repoRoot, "runtime"), path.join(tmp, "runtime"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "drivers", "dummy"), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, "drivers", "dummy", "noisy-sine-generator.ts"), driverFile());
    fs.copyFileSync(path.join(repoRoot, "tsconfig.json"), path.join(tmp, "tsconfig.json"));
    fs.writeFileSync(path.join(tmp, "package.json"), '{ "name": "qmi-ts", "qmi": { "roots": ["drivers"], "protoPackage": "qmi" } }\n');
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("prints help", async () => {
    assert.equal(await runGen(["--help"]), 0);
  });

  it("rejects unknown arguments", async () => {
    assert.equal(await runGen(["--frobnicate"]), 2);
  });

  it("--check passes on the committed tree", () => {
    const result = gen(["--check"]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /OK/);
  });

  it("writes a fresh project, then --check passes there", async () => {
    const written = await genInProcess(["--project", tmp]);
    assert.equal(written.status, 0, written.stdout + written.stderr);
    assert.equal(
      fs.readFileSync(path.join(tmp, "idl/qmi/drivers/dummy/noisy_sine_generator.proto"), "utf8"),
      fs.readFileSync(path.join(repoRoot, "idl/qmi/drivers/dummy/noisy_sine_generator.proto"), "utf8"),
    );
    const checked = await genInProcess(["--check", "--project", tmp]);
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  });

  it("--check fails, naming the files, after the driver changes", async () => {
    const source = fs.readFileSync(driverFile(), "utf8");
    fs.writeFileSync(
      driverFile(),
      source.replace(
        FREQUENCY_GETTER,
        `  /** The phase, rad. */\n  @rpcMethod\n  async getPhase(): Promise<number> {\n    return 0;\n  }\n\n${FREQUENCY_GETTER}`,
      ),
    );
    const checked = await genInProcess(["--check", "--project", tmp]);
    assert.equal(checked.status, 1, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /stale: +idl\/qmi\/drivers\/dummy\/noisy_sine_generator\.proto/);
    assert.match(checked.stdout, /stale: +generated\/drivers\/dummy\/noisy-sine-generator\.ts/);
    fs.writeFileSync(driverFile(), source);
  });

  it("--check reports extra files, and gen deletes them", async () => {
    const extra = path.join(tmp, "generated", "drivers", "dummy", "old-driver.ts");
    fs.writeFileSync(extra, "// left over\n");
    const checked = await genInProcess(["--check", "--project", tmp]);
    assert.equal(checked.status, 1);
    assert.match(checked.stdout, /extra: +generated\/drivers\/dummy\/old-driver\.ts/);
    assert.equal((await genInProcess(["--project", tmp])).status, 0);
    assert.equal(fs.existsSync(extra), false);
  });

  it("fails with diagnostics and writes nothing when a type cannot be mapped", async () => {
    const source = fs.readFileSync(driverFile(), "utf8");
    fs.writeFileSync(
      driverFile(),
      source.replace(
        FREQUENCY_GETTER,
        `  @rpcMethod\n  async setAnything(value: any): Promise<void> {\n    void value;\n  }\n\n${FREQUENCY_GETTER}`,
      ),
    );
    const before = fs.readFileSync(path.join(tmp, "generated/drivers/dummy/noisy-sine-generator.ts"), "utf8");
    const result = await genInProcess(["--project", tmp]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /drivers\/dummy\/noisy-sine-generator\.ts:\d+:\d+ - error QMI1001: .*`any`/);
    assert.match(result.stderr, /1 error; nothing was written/);
    assert.equal(fs.readFileSync(path.join(tmp, "generated/drivers/dummy/noisy-sine-generator.ts"), "utf8"), before);
    fs.writeFileSync(driverFile(), source);
  });
});
