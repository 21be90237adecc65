/**
 * `qmi gen` in a lab project whose qmi-ts is installed as compiled declarations (`dist/**\/*.d.ts`, decorators
 * erased): the inherited `open`, `close` and `isOpen` of `Instrument` are found through their `@rpcMethod` TSDoc
 * tags, and the lab driver's `.proto` and proxy are the same as when qmi-ts is read from its sources.
 *
 * The declarations are emitted once (runtime/index.ts and what it imports, about 8 s) into a temporary
 * `node_modules/qmi-ts/dist/`; a second lab links `node_modules/qmi-ts` to this repository and reads the sources
 * under the `qmi-ts-source` condition, as test/codegen/lab-project.test.ts does.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Node, Project } from "ts-morph";
import ts from "typescript";
import { formatDiagnostic } from "../../codegen/diagnostic.ts";
import { generate } from "../../codegen/generate.ts";
import { readMarkerTag } from "../../codegen/member-marker.ts";
import { repoRoot } from "./support/golden.ts";
import { psuSource } from "./support/lab-driver.ts";

const protoFile = "idl/acme/drivers/acme/psu.proto";
const proxyFile = "generated/drivers/acme/psu.ts";

/** Runtime files whose decorated members must carry the matching TSDoc tag. */
const taggedRuntimeFiles = ["runtime/driver/instrument.ts", "runtime/tasks/task-runner.ts", "runtime/driver/scpi-instrument.ts"];

/** Emits the declarations of runtime/index.ts (and what it imports) with the build's options into `outDir`. */
function emitRuntimeDeclarations(outDir: string): void {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d: ts.Diagnostic) => assert.fail(String(d.messageText)) };
  const config = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, "tsconfig.build.json"), {}, host)!;
  const { paths: _paths, customConditions: _conditions, ...options } = config.options;
  const program = ts.createProgram([path.join(repoRoot, "runtime", "index.ts")], {
    ...options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
  });
  const emitted = program.emit();
  assert.equal(emitted.emitSkipped, false, ts.formatDiagnostics(emitted.diagnostics, ts.createCompilerHost({})));
}

/** A lab project in `dir` with the psu driver; its tsconfig reads qmi-ts's sources only when `sourceCondition`. */
function makeLab(dir: string, sourceCondition: boolean): void {
  fs.mkdirSync(path.join(dir, "drivers", "acme"), { recursive: true });
  fs.mkdirSync(path.join(dir, "node_modules"));
  const pkg = { name: "@acme/lab-tools", version: "0.1.0", private: true, type: "module", qmi: { protoPackage: "acme" } };
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const tsconfig = JSON.parse(fs.readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8")) as {
    compilerOptions: Record<string, unknown>;
    include: string[];
    exclude: string[];
  };
  delete tsconfig.compilerOptions.paths;
  if (!sourceCondition) delete tsconfig.compilerOptions.customConditions;
  tsconfig.include = ["drivers"];
  tsconfig.exclude = ["node_modules"];
  fs.writeFileSync(path.join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  fs.symlinkSync(path.join(repoRoot, "node_modules", "@types"), path.join(dir, "node_modules", "@types"), "dir");
  fs.writeFileSync(path.join(dir, "drivers", "acme", "psu.ts"), psuSource);
}

/** The generated files of a lab, failing on any diagnostic. */
async function generated(dir: string): Promise<ReadonlyMap<string, string>> {
  const result = await generate({ projectRoot: dir });
  assert.deepEqual(result.diagnostics.map(formatDiagnostic), []);
  return result.files;
}

describe("qmi gen against qmi-ts's declarations", () => {
  let tmp = "";
  let fromDeclarations: ReadonlyMap<string, string> = new Map();
  let fromSources: ReadonlyMap<string, string> = new Map();

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-decl-"));
    const declLab = path.join(tmp, "declarations");
    makeLab(declLab, false);
    const installed = path.join(declLab, "node_modules", "qmi-ts");
    fs.mkdirSync(installed);
    fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(installed, "package.json"));
    fs.symlinkSync(path.join(repoRoot, "idl"), path.join(installed, "idl"), "dir");
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(installed, "node_modules"), "dir");
    emitRuntimeDeclarations(path.join(installed, "dist"));
    assert.ok(fs.existsSync(path.join(installed, "dist", "runtime", "driver", "instrument.d.ts")));

    const sourceLab = path.join(tmp, "sources");
    makeLab(sourceLab, true);
    fs.symlinkSync(repoRoot, path.join(sourceLab, "node_modules", "qmi-ts"), "dir");

    fromDeclarations = await generated(declLab);
    fromSources = await generated(sourceLab);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("serves the inherited open, close and isOpen read from instrument.d.ts", () => {
    const proto = fromDeclarations.get(protoFile) ?? assert.fail([...fromDeclarations.keys()].join(", "));
    const rpcs = [...proto.matchAll(/^ {2}rpc (\w+)\(/gm)].map((m) => m[1]);
    assert.deepEqual(rpcs, ["Open", "Close", "IsOpen", "SetVoltage", "GetVoltage"]);
    assert.match(proto, /\/\/ Open the connection to the instrument\. Fails when it is already open\.\n {2}rpc Open\(/);
    assert.doesNotMatch(proto, /requiresOpen/, "the marker tag stays out of the docs");
    const proxy = fromDeclarations.get(proxyFile)!;
    for (const method of ["open", "close", "isOpen", "setVoltage", "getVoltage"]) {
      assert.match(proxy, new RegExp(`^ {2}${method}\\(.*\\): Promise<`, "m"), method);
      assert.match(proxy, new RegExp(`^ {6}name: "${method}",$`, "m"), method);
    }
    assert.doesNotMatch(proxy, /@rpcMethod/);
  });

  it("generates the same files as against the sources", () => {
    assert.deepEqual([...fromDeclarations.keys()], [...fromSources.keys()]);
    for (const [file, text] of fromSources) assert.equal(fromDeclarations.get(file), text, file);
  });

  it("finds the tags with the decorators' options in the runtime's base classes", () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    let checked = 0;
    for (const file of taggedRuntimeFiles) {
      for (const cls of project.addSourceFileAtPath(path.join(repoRoot, file)).getClasses()) {
        for (const member of cls.getMembers()) {
          if (!Node.isMethodDeclaration(member) && !Node.isPropertyDeclaration(member)) continue;
          for (const decorator of member.getDecorators()) {
            const where: string = `${file}: ${cls.getName()}.${member.getName()}`;
            const tag = readMarkerTag(member, decorator.getName());
            assert.ok(tag, `${where} has @${decorator.getName()} but no @${decorator.getName()} TSDoc tag`);
            const argument = decorator.getArguments()[0];
            const options = argument ? (Function(`return (${argument.getText()});`)() as Record<string, unknown>) : {};
            assert.deepEqual(tag, options, where);
            checked++;
          }
        }
      }
    }
    assert.equal(checked, 16);
  });
});
