/**
 * Invalid cases: each `invalid/<case>/input.ts` must fail with a diagnostic naming the file, the line marked
 * `// <- error` and the offending type; the formatted diagnostics are compared with `expected.txt`
 * (refresh with `UPDATE_GOLDEN=1`).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { formatDiagnostic } from "../../codegen/diagnostic.ts";
import { generateModules } from "../../codegen/generate.ts";
import { addSourceFiles, createProject } from "../../codegen/project-loader.ts";
import { assertGolden, caseNames, repoRoot } from "./support/golden.ts";

const invalidDir = path.join(import.meta.dirname, "invalid");
const cases = caseNames(invalidDir);
const project = createProject(repoRoot);
const sources = addSourceFiles(
  project,
  cases.map((name) => path.join(invalidDir, name, "input.ts")),
);

/** The offending type text each case must name. */
const expectedTypeText: Readonly<Record<string, { code: string; type: string }>> = {
  any: { code: "QMI1001", type: "any" },
  unknown: { code: "QMI1002", type: "unknown" },
  "mixed-union": { code: "QMI1003", type: "string | number" },
  function: { code: "QMI1004", type: "() => void" },
  tuple: { code: "QMI1005", type: "[number, number]" },
  map: { code: "QMI1006", type: "Map<string, number>" },
  set: { code: "QMI1007", type: "Set<string>" },
  null: { code: "QMI1008", type: "string | null" },
  symbol: { code: "QMI1009", type: "symbol" },
  "nested-array": { code: "QMI1010", type: "number[][]" },
  "nested-typed-array": { code: "QMI1010", type: "Float64Array[]" },
  "optional-array": { code: "QMI1011", type: "number[]" },
  "optional-record": { code: "QMI1011", type: "Record<string, string>" },
  "class-instance": { code: "QMI1012", type: "Reading" },
  "reserved-name": { code: "QMI1013", type: "toString" },
  "message-collision": { code: "QMI1014", type: "ReadRequest" },
  "record-key": { code: "QMI1015", type: "Record<number, string>" },
  "generic-interface": { code: "QMI1016", type: "Box<number>" },
  "unresolved-base": { code: "QMI1020", type: "Instrument" },
  "snapshot-parameters": { code: "QMI1021", type: "getChannelGain" },
};

describe("formatDiagnostic", () => {
  it("has an expectation for every invalid case", () => {
    assert.deepEqual(cases, Object.keys(expectedTypeText).sort());
  });

  cases.forEach((name, i) => {
    it(`reports invalid/${name}`, () => {
      const file = `test/codegen/invalid/${name}/input.ts`;
      const result = generateModules({
        projectRoot: repoRoot,
        modules: [{ sourceFile: sources[i]!, logicalPath: `drivers/${name}/input.ts` }],
        registry: false,
      });
      assert.ok(result.diagnostics.length > 0, "expected a diagnostic");
      const text = result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join("\n");
      assertGolden(path.join(invalidDir, name, "expected.txt"), text);

      const markedLine =
        fs
          .readFileSync(path.join(repoRoot, file), "utf8")
          .split("\n")
          .findIndex((line) => line.includes("// <- error")) + 1;
      const expected = expectedTypeText[name]!;
      const first = result.diagnostics[0]!;
      assert.equal(first.file, file);
      assert.equal(first.line, markedLine);
      assert.equal(first.code, expected.code);
      assert.equal(first.typeText, expected.type);
      assert.match(text, new RegExp(`^${file.replace(/[.]/g, "\\.")}:${markedLine}:\\d+ - error ${expected.code}: `));
      assert.ok(text.includes(`\`${expected.type}\``), `the message names the type ${expected.type}`);
    });
  });
});
