/**
 * `DataSet` and its attributes as input: what a data set accepts, and the clear refusal of everything else, before
 * any file is touched.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "qmi-ts";
import { COLUMN_TYPES, DataSet, columnTypeOf, type DataSetInit } from "qmi-ts/data";

const column = (data = Float64Array.of(1, 2)) => ({ name: "x", data });

function refused(init: unknown, message: RegExp): void {
  assert.throws(() => new DataSet(init as DataSetInit), (error: unknown) => error instanceof InvalidArgumentError && message.test(error.message));
}

describe("DataSet", () => {
  it("holds typed columns with units and descriptions, attributes, a time stamp, and keeps the arrays it is given", () => {
    const volts = Float32Array.of(0.5, 0.25);
    const before = Date.now() / 1000;
    const set = new DataSet({
      name: "sweep",
      columns: [{ name: "t", data: BigUint64Array.of(1n, 2n), unit: "ns" }, { name: "v", data: volts, unit: "V", description: "probe voltage" }],
      attributes: { operator: "ada" },
    });
    assert.equal(set.rowCount, 2);
    assert.deepEqual(set.columns.map((c) => [c.name, c.type, c.unit, c.description]), [["t", "uint64", "ns", ""], ["v", "float32", "V", "probe voltage"]]);
    assert.equal(set.columnOrThrow("v").data, volts);
    assert.equal(set.column("w"), undefined);
    assert.throws(() => set.columnOrThrow("w"), /no column "w"; its columns: t, v/);
    assert.ok(set.timestamp >= before && set.timestamp <= Date.now() / 1000 + 1);
    assert.deepEqual(set.attributes, { operator: "ada" });
  });

  it("knows the ten column types and nothing else", () => {
    assert.deepEqual([...COLUMN_TYPES].sort(), ["float32", "float64", "int16", "int32", "int64", "int8", "uint16", "uint32", "uint64", "uint8"]);
    assert.equal(columnTypeOf(new BigInt64Array(1)), "int64");
    assert.equal(columnTypeOf(new Uint8ClampedArray(1)), undefined);
    assert.equal(columnTypeOf(new DataView(new ArrayBuffer(8))), undefined);
    assert.equal(columnTypeOf([1, 2]), undefined);
    class Sub extends Float64Array {}
    assert.equal(columnTypeOf(new Sub(1)), undefined);
  });

  it("refuses bad names, columns and lengths, saying what is wrong", () => {
    refused(null, /needs \{ name, columns \}/);
    refused({ name: "", columns: [column()] }, /Invalid data set name "": it must not be empty/);
    refused({ name: "a/b", columns: [column()] }, /contain "\/"/);
    refused({ name: "..", columns: [column()] }, /Invalid data set name/);
    refused({ name: "x".repeat(256), columns: [column()] }, /at most 255/);
    refused({ name: "nul\u0000", columns: [column()] }, /NUL/);
    refused({ name: "s", columns: [] }, /at least one column/);
    refused({ name: "s", columns: [{ name: "x", data: [1, 2] }] }, /Column "x" of data set "s" holds an array; a column is a typed array of float64/);
    refused({ name: "s", columns: [{ name: "x", data: new Uint8ClampedArray(2) }] }, /holds Uint8ClampedArray/);
    refused({ name: "s", columns: [column(), column()] }, /two columns named "x"/);
    refused({ name: "s", columns: [{ name: "x/y", data: new Int8Array(1) }] }, /Invalid column name "x\/y"/);
    refused({ name: "s", columns: [column(Float64Array.of(1, 2)), { name: "y", data: new Int8Array(3) }] }, /equal length: "x" has 2 rows, "y" 3/);
    refused({ name: "s", columns: [{ ...column(), unit: 5 }] }, /The unit of column "x" of data set "s" must be a string, got 5/);
    refused({ name: "s", columns: [{ ...column(), description: "\ud800" }] }, /lone surrogate/);
    refused({ name: "s", columns: [column()], timestamp: NaN }, /finite number of POSIX seconds/);
  });

  it("accepts strings, numbers, booleans, bigints and arrays of one of them as attributes", () => {
    const attributes = {
      text: "héllo ✓", empty: "", number: -0, nan: NaN, inf: -Infinity, yes: true, big: -(2n ** 63n), huge: 2n ** 64n - 1n,
      numbers: [1, 2.5], strings: ["a", ""], booleans: [false, true], bigints: [0n, 2n ** 63n], none: [],
    };
    const set = new DataSet({ name: "run_1", columns: [column()], attributes });
    assert.deepEqual(set.attributes, attributes);
    assert.ok(Object.isFrozen(set.attributes.numbers));
  });

  it("refuses attribute values HDF5 cannot hold, and names QMI reserves, saying what to do", () => {
    const bad = (attributes: unknown, message: RegExp) => refused({ name: "scan", columns: [column()], attributes }, message);
    bad({ when: new Date(0) }, /Attribute "when" of data set "scan": Date cannot be stored; .*date\.toISOString\(\)/);
    bad({ settings: { a: 1 } }, /Object cannot be stored; .*JSON\.stringify/);
    bad({ nothing: null }, /null cannot be stored/);
    bad({ missing: undefined }, /undefined cannot be stored/);
    bad({ nested: [[1]] }, /an array cannot be stored/);
    bad({ mixed: [1, "a"] }, /an array must hold values of one kind, got number and string/);
    bad({ big: 2n ** 64n }, /18446744073709551616n does not fit 64 bits/);
    bad({ small: -(2n ** 63n) - 1n }, /does not fit 64 bits/);
    bad({ both: [-1n, 2n ** 63n] }, /both negative values and values of 2\^63 or more/);
    bad({ nul: "a\u0000b" }, /a string must not contain a NUL character/);
    bad({ "": 1 }, /Attribute names must not be empty/);
    bad({ QMI_Dataset_x: 1 }, /begins with "QMI_Dataset", which QMI reserves/);
    bad({ DIMENSION_LIST: 1 }, /begins with "DIMENSION_"/);
    bad({ scanner: "x" }, /Attribute "scanner" of data set "scan" begins with "scan", which QMI reserves for its own metadata; rename it/);
    bad("text", /must be an object of name: value, got "text"/);
  });
});
