/**
 * Golden cases: each `valid/<case>/input.ts` is generated as if it were `drivers/<case>/input.ts` and compared
 * with `expected.proto` and `expected.ts`. Refresh with `UPDATE_GOLDEN=1`.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { formatDiagnostic } from "../../codegen/diagnostic.ts";
import { generate, generateModules } from "../../codegen/generate.ts";
import { modulePaths } from "../../codegen/naming.ts";
import { addSourceFiles, createProject } from "../../codegen/project-loader.ts";
import { assertGolden, caseNames, repoRoot } from "./support/golden.ts";
import * as fs from "node:fs";

const validDir = path.join(import.meta.dirname, "valid");
const cases = caseNames(validDir);
const project = createProject(repoRoot);
const sources = addSourceFiles(
  project,
  cases.map((name) => path.join(validDir, name, "input.ts")),
);

describe("generateModules", () => {
  cases.forEach((name, i) => {
    it(`generates valid/${name} as drivers/${name}/input.ts`, () => {
      const logicalPath = `drivers/${name}/input.ts`;
      const result = generateModules({
        projectRoot: repoRoot,
        modules: [{ sourceFile: sources[i]!, logicalPath }],
        registry: false,
      });
      assert.deepEqual(result.diagnostics.map(formatDiagnostic), []);
      const paths = modulePaths(logicalPath);
      assertGolden(path.join(validDir, name, "expected.proto"), result.files.get(`idl/${paths.protoFile}`));
      assertGolden(path.join(validDir, name, "expected.ts"), result.files.get(`generated/${paths.generatedFile}`));
    });
  });

  it("gives the same bytes twice", () => {
    const run = () =>
      generateModules({
        projectRoot: repoRoot,
        modules: sources.map((sourceFile, i) => ({ sourceFile, logicalPath: `drivers/${cases[i]}/input.ts` })),
      });
    assert.deepEqual([...run().files], [...run().files]);
  });

  it("emits TypeScript that type-checks against the runtime", () => {
    const checkProject = createProject(repoRoot);
    const files = cases.map((name) => checkProject.addSourceFileAtPath(path.join(validDir, name, "expected.ts")));
    const problems = checkProject
      .getPreEmitDiagnostics()
      .filter((d) => files.includes(d.getSourceFile()!))
      .map((d) => `${d.getSourceFile()?.getFilePath()}:${d.getLineNumber()}: ${JSON.stringify(d.getMessageText())}`);
    assert.deepEqual(problems, []);
  });
});

describe("generate", () => {
  it("reproduces the committed NSG reference files", async () => {
    const result = await generate({ projectRoot: repoRoot, project });
    assert.deepEqual(result.diagnostics.map(formatDiagnostic), []);
    for (const file of [
      "idl/qmi/drivers/dummy/noisy_sine_generator.proto",
      "generated/drivers/dummy/noisy-sine-generator.ts",
    ]) {
      assert.equal(result.files.get(file), fs.readFileSync(path.join(repoRoot, file), "utf8"), file);
    }
    assert.ok(result.files.has("generated/index.ts"));
  });
});
