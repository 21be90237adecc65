import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDocComment } from "../../codegen/doc-comment.ts";

describe("parseDocComment", () => {
  it("splits summary, @param and @returns", () => {
    const doc = parseDocComment(
      "/**\n   * Take one sample.\n   * @param count - how many;\n   *   at least 1\n   * @returns the value\n   */",
    )!;
    assert.deepEqual(doc.summary, ["Take one sample."]);
    assert.deepEqual(doc.params.get("count"), ["how many;", "at least 1"]);
    assert.deepEqual(doc.returns, ["the value"]);
    assert.deepEqual(doc.withoutParams, ["Take one sample.", "@returns the value"]);
    assert.equal(doc.lines.length, 4);
  });

  it("handles tags inline on a one-line comment", () => {
    const doc = parseDocComment("/** Set the amplitude. @param amplitude - arbitrary units */")!;
    assert.deepEqual(doc.summary, ["Set the amplitude."]);
    assert.deepEqual(doc.params.get("amplitude"), ["arbitrary units"]);
    assert.deepEqual(doc.lines, ["Set the amplitude. @param amplitude - arbitrary units"]);
  });

  it("returns undefined for an empty comment", () => {
    assert.equal(parseDocComment("/** */"), undefined);
  });
});
