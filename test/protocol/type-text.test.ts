/**
 * The TypeScript spelling of a type descriptor, as generated code writes it and as the dashboard shows it.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TypeDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { tsTypeText } from "../../runtime/protocol/type-text.ts";

const scalar = (proto: string, bigint = false): TypeDescriptor => ({ kind: "scalar", proto, ...(bigint ? { bigint } : {}) }) as TypeDescriptor;

describe("tsTypeText", () => {
  it("spells each scalar, and collects the number-kind aliases it uses", () => {
    const used = new Set<string>();
    const spelled = ["double", "float", "int32", "uint32", "int64", "uint64", "bool", "string", "bytes"].map((proto) => tsTypeText(scalar(proto), { used }));
    assert.deepEqual(spelled, ["number", "float32", "int32", "uint32", "int64", "uint64", "boolean", "string", "Uint8Array"]);
    assert.deepEqual([...used].sort(), ["float32", "int32", "int64", "uint32", "uint64"]);
    assert.equal(tsTypeText(scalar("int64", true)), "bigint");
  });

  it("spells every number kind as number for a reader, and collects nothing then", () => {
    const used = new Set<string>();
    for (const proto of ["float", "int32", "uint32", "int64", "uint64"]) assert.equal(tsTypeText(scalar(proto), { used, plainNumbers: true }), "number");
    assert.equal(used.size, 0);
    assert.equal(tsTypeText({ kind: "map", of: { kind: "list", of: scalar("int32") } }, { plainNumbers: true }), "Record<string, number[]>");
  });

  it("spells lists, typed arrays, maps, dates, messages, enums and void", () => {
    const used = new Set<string>();
    assert.equal(tsTypeText({ kind: "list", of: scalar("uint32") }, { used }), "uint32[]");
    assert.deepEqual([...used], ["uint32"]);
    assert.equal(tsTypeText({ kind: "list", of: scalar("double"), typed: "Float64Array" } as TypeDescriptor), "Float64Array");
    assert.equal(tsTypeText({ kind: "map", of: { kind: "message", name: "Point" } }), "Record<string, Point>");
    assert.equal(tsTypeText({ kind: "list", of: { kind: "timestamp" } }), "Date[]");
    assert.equal(tsTypeText({ kind: "enum", name: "Mode" } as TypeDescriptor), "Mode");
    assert.equal(tsTypeText({ kind: "void" }), "void");
  });
});
