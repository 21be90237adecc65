import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { printLiteral, quoteString } from "../../codegen/emit/js-literal.ts";

describe("printLiteral", () => {
  it("keeps what fits on one line", () => {
    assert.equal(printLiteral({ kind: "scalar", proto: "double" }), '{ kind: "scalar", proto: "double" }');
    assert.equal(printLiteral([]), "[]");
    assert.equal(printLiteral({}), "{}");
  });

  it("always breaks an array of several objects with several keys", () => {
    assert.equal(
      printLiteral([
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ]),
      "[\n  { a: 1, b: 2 },\n  { a: 3, b: 4 },\n]",
    );
  });

  it("breaks what does not fit in 120 columns", () => {
    const text = printLiteral({ doc: "x".repeat(120), n: 1 });
    assert.equal(text, `{\n  doc: "${"x".repeat(120)}",\n  n: 1,\n}`);
  });

  it("omits undefined properties", () => {
    assert.equal(printLiteral({ a: 1, b: undefined }), "{ a: 1 }");
  });
});

describe("quoteString", () => {
  it("prefers double quotes unless single quotes need fewer escapes", () => {
    assert.equal(quoteString("it's"), '"it\'s"');
    assert.equal(quoteString('say "hi"'), "'say \"hi\"'");
    assert.equal(quoteString("a\nb\\c"), '"a\\nb\\\\c"');
  });
});
