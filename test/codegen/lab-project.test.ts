/**
 * `qmi gen` in a lab's own project: a temporary folder with its own package.json (name and `qmi` section),
 * tsconfig.json, `drivers/acme/psu.ts` importing `qmi-ts` (resolved through a `node_modules/qmi-ts` symlink to this
 * repository), generated as a child process with bounded timeouts, plus the settings checks in-process.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { formatDiagnostic } from "../../codegen/diagnostic.ts";
import { generate, ProjectSettingsError } from "../../codegen/generate.ts";
import { loadProjectSettings, protoPackageFromName } from "../../codegen/project-settings.ts";
import { genInProcess } from "./support/gen-in-process.ts";
import { repoRoot } from "./support/golden.ts";
import { psuSource } from "./support/lab-driver.ts";


/** A lab project in a fresh temporary folder; `qmi` is its package.json section. */
function makeLabProject(qmi: unknown, name = "@acme/lab-tools"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-lab-"));
  const pkg = { name, version: "0.1.0", private: true, type: "module", ...(qmi === undefined ? {} : { qmi }) };
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const tsconfig = JSON.parse(fs.readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8")) as {
    include: string[];
    exclude: string[];
  };
  tsconfig.include = ["drivers", "lab", "generated"];
  tsconfig.exclude = ["node_modules"];
  fs.writeFileSync(path.join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(repoRoot, path.join(dir, "node_modules", "qmi-ts"), "dir");
  writeFile(dir, "drivers/acme/psu.ts", psuSource);
  return dir;
}

function writeFile(dir: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

/** Runs `qmi gen --project <dir> ...args` (in this process, bounded); `out` is what it printed on both streams. */
async function gen(dir: string, ...args: string[]): Promise<{ status: number; out: string }> {
  const run = await genInProcess(["--project", dir, ...args]);
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** The message of the ProjectSettingsError that `fn` throws. */
async function settingsError(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof ProjectSettingsError, String(error));
    return error.message;
  }
  assert.fail("expected a ProjectSettingsError");
}

describe("qmi gen in a lab project", () => {
  const made: string[] = [];
  const project = (qmi: unknown, name?: string): string => {
    const dir = makeLabProject(qmi, name);
    made.push(dir);
    return dir;
  };
  let lab = "";

  before(() => {
    lab = project({ roots: ["drivers"], idl: "proto", generated: "src/generated", protoPackage: "acme" });
  });
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the lab's proto package where its qmi section says, then --check passes", async () => {
    const written = await gen(lab);
    assert.equal(written.status, 0, written.out);
    const proto = fs.readFileSync(path.join(lab, "proto/acme/drivers/acme/psu.proto"), "utf8");
    assert.match(proto, /^package acme\.drivers\.acme\.psu;$/m);
    assert.match(proto, /^service AcmePsu \{$/m);
    const proxy = fs.readFileSync(path.join(lab, "src/generated/drivers/acme/psu.ts"), "utf8");
    assert.match(proxy, /protoService: "acme\.drivers\.acme\.psu\.AcmePsu"/);
    assert.match(proxy, /from "qmi-ts";/);
    assert.ok(fs.existsSync(path.join(lab, "src/generated/index.ts")));
    assert.equal(fs.existsSync(path.join(lab, "idl")), false, "nothing in the default idl folder");
    assert.equal(fs.existsSync(path.join(lab, "generated")), false, "nothing in the default generated folder");

    const checked = await gen(lab, "--check");
    assert.equal(checked.status, 0, checked.out);
    assert.match(checked.out, /OK, 3 generated files are up to date/);
  });

  it("lets flags override the section", async () => {
    const written = await gen(lab, "--proto-package", "acme.bench", "--idl", "idl2", "--generated=gen2");
    assert.equal(written.status, 0, written.out);
    assert.match(
      fs.readFileSync(path.join(lab, "idl2/acme/bench/drivers/acme/psu.proto"), "utf8"),
      /^package acme\.bench\.drivers\.acme\.psu;$/m,
    );
    assert.ok(fs.existsSync(path.join(lab, "gen2/drivers/acme/psu.ts")));
  });

  it("derives the proto package from the package name when the section has none", async () => {
    const dir = project(undefined);
    const result = await generate({ projectRoot: dir });
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.settings.roots, ["drivers"]);
    assert.deepEqual(
      [...result.files.keys()],
      ["generated/drivers/acme/psu.ts", "generated/index.ts", "idl/acme/lab_tools/drivers/acme/psu.proto"],
    );
    assert.match(result.files.get("idl/acme/lab_tools/drivers/acme/psu.proto")!, /^package acme\.lab_tools\.drivers\.acme\.psu;$/m);
  });

  it("reports two source files mapping to one proto package, naming both", async () => {
    const dir = project({ protoPackage: "acme" });
    writeFile(dir, "drivers/acme/psu-a.ts", psuSource);
    writeFile(dir, "drivers/acme/psu_a.ts", psuSource);
    const result = await generate({ projectRoot: dir });
    const text = result.diagnostics.map(formatDiagnostic);
    assert.equal(text.length, 2, text.join("\n\n"));
    assert.match(
      text[0]!,
      /^drivers\/acme\/psu-a\.ts:4:14 - error QMI1019: `drivers\/acme\/psu-a\.ts` and `drivers\/acme\/psu_a\.ts` map to the same proto package `acme\.drivers\.acme\.psu_a` \(`acme\/drivers\/acme\/psu_a\.proto`\), and both define service `acme\.drivers\.acme\.psu_a\.AcmePsu`\./,
    );
    assert.match(text[0]!, /Rename or move one of the files/);
    assert.match(text[1]!, /^drivers\/acme\/psu_a\.ts:4:14 - error QMI1019: `drivers\/acme\/psu_a\.ts` and `drivers\/acme\/psu-a\.ts`/);

    const cli = await gen(dir);
    assert.equal(cli.status, 2, cli.out);
    assert.match(cli.out, /2 errors; nothing was written/);
    assert.equal(fs.existsSync(path.join(dir, "idl")), false);
  });

  it("reports a module redefining a package of the installed qmi-ts, naming both files", async () => {
    const dir = project({ protoPackage: "qmi" });
    writeFile(dir, "drivers/dummy/noisy-sine-generator.ts", psuSource.replaceAll("AcmePsu", "NoisySineGenerator"));
    const result = await generate({ projectRoot: dir });
    const text = result.diagnostics.map(formatDiagnostic).join("\n\n");
    assert.equal(result.diagnostics.length, 1, text);
    assert.match(
      text,
      /^drivers\/dummy\/noisy-sine-generator\.ts:4:14 - error QMI1019: `drivers\/dummy\/noisy-sine-generator\.ts` maps to proto package `qmi\.drivers\.dummy\.noisy_sine_generator`, which the installed qmi-ts already defines in `node_modules\/qmi-ts\/idl\/qmi\/drivers\/dummy\/noisy_sine_generator\.proto`\./,
    );
    assert.match(text, /Set another `qmi\.protoPackage` in package\.json/);
  });

  it("reports a source root that does not exist, naming it and the package.json key (exit 2)", async () => {
    const dir = project({ roots: ["drivers", "lab"] });
    const result = await gen(dir);
    assert.equal(result.status, 2, result.out);
    assert.match(result.out, /qmi gen: source root `lab` \(from qmi\.roots in .*package\.json\) does not exist in /);
    assert.match(result.out, /change `qmi\.roots` in package\.json/);

    const byFlag = await gen(dir, "--root", "nowhere");
    assert.equal(byFlag.status, 2, byFlag.out);
    assert.match(byFlag.out, /source root `nowhere` \(from --root\) does not exist/);
  });

  it("reports the default root when the project has no drivers folder", async () => {
    const dir = project(undefined);
    fs.rmSync(path.join(dir, "drivers"), { recursive: true });
    const message = await settingsError(() => generate({ projectRoot: dir }));
    assert.match(message, /source root `drivers` \(from the default roots, as .*package\.json sets no qmi\.roots\) does not exist/);
    assert.match(message, /set `"qmi": \{ "roots": \[\.\.\.\] \}` in package\.json/);
  });

  it("reports a source root that holds no driver or task class (exit 2)", async () => {
    const dir = project({ roots: ["drivers", "lab"] });
    writeFile(dir, "lab/helpers.ts", "export const volts = 3;\nexport class NotADriver {}\n");
    const result = await gen(dir);
    assert.equal(result.status, 2, result.out);
    assert.match(
      result.out,
      /qmi gen: source root `lab` \(from qmi\.roots in .*package\.json\) holds no driver or task class .*; add one, or change `qmi\.roots` in package\.json\./,
    );
    assert.equal(fs.existsSync(path.join(dir, "generated")), false);
  });
});

describe("loadProjectSettings", () => {
  const made: string[] = [];
  const withPackage = (pkg: unknown): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-settings-"));
    made.push(dir);
    fs.writeFileSync(path.join(dir, "package.json"), typeof pkg === "string" ? pkg : JSON.stringify(pkg));
    return dir;
  };
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  const errorOf = (pkg: unknown) => settingsError(() => loadProjectSettings(withPackage(pkg)));

  it("keeps qmi-ts's own defaults for the package named qmi-ts", () => {
    const s = loadProjectSettings(withPackage({ name: "qmi-ts" }));
    assert.deepEqual(
      { roots: s.roots, idl: s.idlDir, generated: s.generatedDir, protoPackage: s.protoPackage },
      { roots: ["drivers", "examples"], idl: "idl", generated: "generated", protoPackage: "qmi" },
    );
  });

  it("defaults a lab project to drivers, idl, generated and a prefix from its name", () => {
    const s = loadProjectSettings(withPackage({ name: "@acme/lab-tools" }));
    assert.deepEqual(
      { roots: s.roots, idl: s.idlDir, generated: s.generatedDir, protoPackage: s.protoPackage },
      { roots: ["drivers"], idl: "idl", generated: "generated", protoPackage: "acme.lab_tools" },
    );
    assert.equal(loadProjectSettings(withPackage({ name: "x", qmi: { roots: ["./src/drivers/"] } })).roots[0], "src/drivers");
  });

  it("applies overrides over the section", () => {
    const dir = withPackage({ name: "lab", qmi: { roots: ["drivers"], protoPackage: "acme" } });
    const s = loadProjectSettings(dir, { roots: ["instruments"], protoPackage: "acme.bench", idlDir: "p" });
    assert.deepEqual([s.roots, s.protoPackage, s.idlDir], [["instruments"], "acme.bench", "p"]);
  });

  it("reports unknown keys and wrong types, naming package.json and the key", async () => {
    assert.match(await errorOf({ name: "lab", qmi: { root: ["drivers"] } }), /package\.json: unknown key `qmi\.root` \(did you mean `qmi\.roots`\?\)/);
    assert.match(await errorOf({ name: "lab", qmi: { roots: "drivers" } }), /package\.json: `qmi\.roots` must be an array of folder names.*found the string "drivers"/);
    assert.match(await errorOf({ name: "lab", qmi: { roots: [1] } }), /package\.json: `qmi\.roots` must be an array/);
    assert.match(await errorOf({ name: "lab", qmi: { roots: [] } }), /package\.json: `qmi\.roots` is empty/);
    assert.match(await errorOf({ name: "lab", qmi: { idl: 3 } }), /package\.json: `qmi\.idl` must be a non-empty string \(or pass --idl\), found number 3/);
    assert.match(await errorOf({ name: "lab", qmi: { protoPackage: "acme-lab" } }), /package\.json: `qmi\.protoPackage` `acme-lab` is not a proto package name/);
    assert.match(await errorOf({ name: "lab", qmi: ["drivers"] }), /package\.json: `qmi` must be an object/);
    assert.match(await errorOf({ name: "lab", qmi: { roots: ["../elsewhere"] } }), /package\.json: qmi\.roots: `\.\.\/elsewhere` must be a folder inside the project/);
    assert.match(await errorOf({ name: "lab", qmi: { generated: "drivers/gen" } }), /the generated folder `drivers\/gen` and the source root `drivers` overlap/);
    assert.match(await errorOf("{ not json"), /package\.json is not valid JSON/);
  });

  it("needs a name or a protoPackage, and never derives qmi", async () => {
    assert.match(await errorOf({}), /package\.json: there is no `name`.*set `"qmi": \{ "protoPackage": "acme" \}`/);
    assert.match(await errorOf({ name: "qmi" }), /the name `qmi` gives no usable proto package/);
    assert.equal(loadProjectSettings(withPackage({ name: "qmi", qmi: { protoPackage: "qmi" } })).protoPackage, "qmi");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-settings-"));
    made.push(dir);
    assert.match(await settingsError(() => loadProjectSettings(dir)), /has no package\.json/);
  });
});

describe("protoPackageFromName", () => {
  it("snake_cases scope and name", () => {
    assert.equal(protoPackageFromName("@acme/lab-tools"), "acme.lab_tools");
    assert.equal(protoPackageFromName("lab-tools"), "lab_tools");
    assert.equal(protoPackageFromName("@Acme/LabTools"), "acme.lab_tools");
    assert.equal(protoPackageFromName("3d-lab"), undefined);
    assert.equal(protoPackageFromName("@qmi/x"), undefined);
  });
});
