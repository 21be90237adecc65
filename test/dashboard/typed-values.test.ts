/**
 * The dashboard's typed values, without processes or servers: what a form asks for each parameter (`paramInfo`),
 * the typed argument a form's text stands for (`readArgument`, every refusal an `InvalidArgumentError` with an exact
 * message), a result as JSON (`resultJson`) and a signal's plottable numbers (`numericFields`, `readNumbers`).
 *
 * Descriptors are the generated ones of the echo instrument (every kind of value) and the noisy sine generator;
 * shapes no generated service has (numeric enums, a listed `_UNSPECIFIED` value, bytes inside a message, a nested
 * message with a bigint, a recursive message) come from a small literal descriptor.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numericFields, paramInfo, readArgument, readNumbers, resultJson, typeText } from "../../dashboard/server/typed-values.ts";
import { EchoInstrumentService as echo } from "../../generated/drivers/dummy/echo-instrument.ts";
import { NoisySineGeneratorService as sine } from "../../generated/drivers/dummy/noisy-sine-generator.ts";
import { InvalidArgumentError } from "../../runtime/protocol/errors.ts";
import type { FieldDescriptor, ServiceDescriptor, TypeDescriptor } from "../../runtime/protocol/service-descriptor.ts";

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function field(name: string, type: TypeDescriptor, optional = false, doc?: string): FieldDescriptor {
  return { name, protoName: name, number: 1, type, optional, ...(doc !== undefined ? { doc } : {}) };
}

const DOUBLE: TypeDescriptor = { kind: "scalar", proto: "double" };

/** Shapes the generated services lack. */
const lab: ServiceDescriptor = {
  className: "Literal",
  sourceFile: "test/literal.ts",
  protoFile: "qmi/test/literal.proto",
  protoPackage: "qmi.test.literal",
  protoService: "qmi.test.literal.Literal",
  methods: [],
  signals: [],
  constants: [],
  messages: [
    { name: "Point", fields: [field("x", DOUBLE), field("y", DOUBLE)] },
    {
      name: "Reading",
      fields: [
        field("position", { kind: "message", name: "Point" }),
        field("label", { kind: "scalar", proto: "string" }),
        field("raw", { kind: "scalar", proto: "bytes" }),
        field("count", { kind: "scalar", proto: "int64", bigint: true }),
        field("ok", { kind: "scalar", proto: "bool" }),
        field("at", { kind: "timestamp" }),
        field("level", { kind: "enum", name: "Level" }),
        field("history", { kind: "list", of: DOUBLE }),
        field("tags", { kind: "map", of: DOUBLE }),
        field("total", { kind: "scalar", proto: "uint32" }),
        field("ratio", { kind: "scalar", proto: "float" }),
      ],
    },
    { name: "Node", fields: [field("value", DOUBLE, true), field("child", { kind: "message", name: "Node" }, true)] },
    { name: "Blob", fields: [field("data", { kind: "scalar", proto: "bytes" })] },
  ],
  enums: [
    // A numeric TypeScript enum `enum Level { Off, On }` as the generator writes it: value 0 is a real member.
    {
      name: "Level",
      values: [
        { value: 0, protoName: "LEVEL_OFF", number: 1 },
        { value: 1, protoName: "LEVEL_ON", number: 2 },
      ],
    },
    // A descriptor that lists its `_UNSPECIFIED` value: never a choice, never accepted.
    {
      name: "Legacy",
      values: [
        { value: "unset", protoName: "LEGACY_UNSPECIFIED", number: 0 },
        { value: "a", protoName: "LEGACY_A", number: 1 },
        { value: "b", protoName: "LEGACY_B", number: 2 },
      ],
    },
  ],
};

/** Parameter `index` of the echo instrument's method `method`. */
function param(method: string, index = 0): FieldDescriptor {
  const found = echo.methods.find((m) => m.name === method)?.params[index];
  assert.ok(found, `echo instrument has ${method} with parameter ${index}`);
  return found;
}

/** `text` read as parameter `index` of the echo instrument's method `method`. */
function read(text: string, method: string, index = 0): unknown {
  return readArgument(text, param(method, index), echo);
}

/** `fn` throws exactly an `InvalidArgumentError` with `message`. */
function refused(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, `an InvalidArgumentError, not ${String(error)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.equal(error.name, "InvalidArgumentError");
    assert.equal(error.message, message);
    return true;
  });
}

/** `value` is exactly an instance of `Class` (not a subclass) holding `expected`. */
function assertTyped(value: unknown, Class: { prototype: object }, expected: readonly unknown[]): void {
  assert.equal(Object.getPrototypeOf(value), Class.prototype);
  assert.deepStrictEqual(Array.from(value as ArrayLike<unknown>), expected);
}

/** The message JSON.parse gives for `text`. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}

/** `inner` inside `levels` objects `{"child": ...}`. */
function nestChildren(levels: number, inner: string): string {
  let text = inner;
  for (let i = 0; i < levels; i++) text = `{"child":${text}}`;
  return text;
}

/** `inner` inside `levels` arrays. */
function nestArrays(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

const setting = (fields: Record<string, unknown>): string =>
  JSON.stringify({ channel: 1, waveform: "sine", harmonics: [1, 0.5], labels: { a: "b" }, madeAt: "2024-01-02T03:04:05Z", ...fields });

// ---------------------------------------------------------------------------------------------------------------

describe("paramInfo", () => {
  it("asks for doubles and floats as numbers, integers of every width as integers", () => {
    const sum = echo.methods.find((m) => m.name === "sum")!;
    assert.deepStrictEqual(
      sum.params.map((p) => paramInfo(p, echo)),
      [
        { name: "a", input: "number", type: "number", optional: false, doc: "first term" },
        { name: "b", input: "number", type: "number", optional: true, doc: "optional second term" },
        { name: "c", input: "integer", type: "number", optional: true, doc: "optional third term" },
      ],
    );
    assert.deepStrictEqual(paramInfo(param("echoFloat"), echo), { name: "value", input: "number", type: "number", optional: false, doc: "a single-precision float" });
    assert.deepStrictEqual(paramInfo(param("echoUint32"), echo), { name: "value", input: "integer", type: "number", optional: false, doc: "an unsigned 32-bit integer" });
    assert.deepStrictEqual(paramInfo(param("echoInt64"), echo), {
      name: "value",
      input: "integer",
      type: "number",
      optional: false,
      doc: "a signed 64-bit integer within the safe range of numbers",
    });
    assert.deepStrictEqual(paramInfo(param("echoBigint"), echo), { name: "value", input: "integer", type: "bigint", optional: false, doc: "any 64-bit integer" });
  });

  it("asks for booleans, strings, bytes and dates by their own inputs", () => {
    assert.deepStrictEqual(paramInfo(param("echoBoolean"), echo), { name: "value", input: "boolean", type: "boolean", optional: false, doc: "true or false" });
    assert.deepStrictEqual(paramInfo(param("echoString"), echo), { name: "value", input: "string", type: "string", optional: false, doc: "any string" });
    assert.deepStrictEqual(paramInfo(param("echoBytes"), echo), { name: "value", input: "bytes", type: "Uint8Array", optional: false, doc: "raw bytes" });
    assert.deepStrictEqual(paramInfo(param("echoDate"), echo), {
      name: "value",
      input: "date",
      type: "Date",
      optional: false,
      doc: "a point in time (millisecond resolution)",
    });
  });

  it("offers an enum's TypeScript values as choices", () => {
    assert.deepStrictEqual(paramInfo(param("echoWaveform"), echo), {
      name: "waveform",
      input: "enum",
      type: "Waveform",
      optional: false,
      doc: "a waveform shape",
      choices: ["sine", "square", "triangle"],
    });
    // A TypeScript enum: its values ("internal"), not its member names ("Internal").
    assert.deepStrictEqual(paramInfo(param("echoTriggerMode"), echo), {
      name: "mode",
      input: "enum",
      type: "TriggerMode",
      optional: false,
      doc: "a trigger mode",
      choices: ["internal", "external"],
    });
    // A numeric enum keeps value 0 (number 1); a listed *_UNSPECIFIED value is never a choice; no doc is "".
    assert.deepStrictEqual(paramInfo(field("level", { kind: "enum", name: "Level" }, true), lab), {
      name: "level",
      input: "enum",
      type: "Level",
      optional: true,
      doc: "",
      choices: ["0", "1"],
    });
    assert.deepStrictEqual(paramInfo(field("legacy", { kind: "enum", name: "Legacy" }), lab).choices, ["a", "b"]);
  });

  it("asks for messages, lists, maps and typed arrays as JSON", () => {
    const json = (method: string): unknown => {
      const info = paramInfo(param(method), echo);
      assert.ok(!("choices" in info));
      return [info.input, info.type];
    };
    assert.deepStrictEqual(json("echoList"), ["json", "number[]"]);
    assert.deepStrictEqual(json("echoRecord"), ["json", "Record<string, number>"]);
    assert.deepStrictEqual(json("echoTrace"), ["json", "Trace"]);
    assert.deepStrictEqual(json("echoSetting"), ["json", "ChannelSetting"]);
    assert.deepStrictEqual(json("echoFloat64Array"), ["json", "Float64Array"]);
    assert.deepStrictEqual(json("echoFloat32Array"), ["json", "Float32Array"]);
    assert.deepStrictEqual(json("echoInt16Array"), ["json", "Int16Array"]);
    assert.deepStrictEqual(json("echoInt8Array"), ["json", "Int8Array"]);
    assert.deepStrictEqual(json("echoBigInt64Array"), ["json", "BigInt64Array"]);
    assert.deepStrictEqual(json("echoBigUint64Array"), ["json", "BigUint64Array"]);
  });

  it("writes the TypeScript type of nested types", () => {
    assert.equal(typeText({ kind: "list", of: { kind: "list", of: DOUBLE } }), "number[][]");
    assert.equal(typeText({ kind: "list", of: { kind: "scalar", proto: "int64", bigint: true } }), "bigint[]");
    assert.equal(typeText({ kind: "list", of: { kind: "timestamp" } }), "Date[]");
    assert.equal(typeText({ kind: "map", of: { kind: "message", name: "Point" } }), "Record<string, Point>");
    assert.equal(typeText({ kind: "map", of: { kind: "list", of: { kind: "scalar", proto: "bytes" } } }), "Record<string, Uint8Array[]>");
    assert.equal(typeText({ kind: "void" }), "void");
  });
});

describe("readArgument: numbers", () => {
  it("reads doubles, exponent forms, NaN, the infinities and negative zero", () => {
    assert.equal(read("2.5", "echoDouble"), 2.5);
    assert.equal(read("  2.5\t", "echoDouble"), 2.5);
    assert.equal(read("-3", "echoDouble"), -3);
    assert.equal(read(".5", "echoDouble"), 0.5);
    assert.equal(read("1e3", "echoDouble"), 1000);
    assert.equal(read("1E-3", "echoDouble"), 0.001);
    assert.equal(read("-2.5e+2", "echoDouble"), -250);
    assert.equal(read("1.7976931348623157e308", "echoDouble"), Number.MAX_VALUE);
    assert.equal(read("5e-324", "echoDouble"), Number.MIN_VALUE);
    assert.ok(Object.is(read("NaN", "echoDouble"), NaN));
    assert.equal(read("Infinity", "echoDouble"), Infinity);
    assert.equal(read("-Infinity", "echoDouble"), -Infinity);
    assert.ok(Object.is(read("-0", "echoDouble"), -0));
    assert.ok(Object.is(read("0", "echoDouble"), 0));
  });

  it("refuses text that is not a number", () => {
    for (const text of ["", "   ", "five", "-NaN", "nan", "infinity", "1_000", "1,5", "2.5.1", "1e", "--1"]) {
      refused(() => read(text, "echoDouble"), `parameter value: expected number, got ${JSON.stringify(text)}`);
    }
  });

  it("keeps floats within single precision", () => {
    assert.equal(read("3.4028234663852886e38", "echoFloat"), 3.4028234663852886e38);
    assert.equal(read("-3.4028234663852886e38", "echoFloat"), -3.4028234663852886e38);
    assert.equal(read("Infinity", "echoFloat"), Infinity);
    assert.ok(Object.is(read("NaN", "echoFloat"), NaN));
    refused(() => read("3.5e38", "echoFloat"), 'parameter value: expected number, got "3.5e38"');
    refused(() => read("-3.5e38", "echoFloat"), 'parameter value: expected number, got "-3.5e38"');
  });

  it("refuses a decimal number too large for a double instead of making it Infinity", () => {
    assert.throws(() => read("1e400", "echoDouble"), InvalidArgumentError);
    assert.throws(() => read("-1e400", "echoDouble"), InvalidArgumentError);
    assert.throws(() => read("1e400", "echoFloat"), InvalidArgumentError);
  });

  it("reads only decimal numbers as doubles", () => {
    for (const text of ["0x10", "0b11", "0o7"]) assert.throws(() => read(text, "echoDouble"), InvalidArgumentError);
  });

  it("reads integers up to the edges of int32 and uint32", () => {
    assert.equal(read("2147483647", "echoInt32"), 2147483647);
    assert.equal(read("-2147483648", "echoInt32"), -2147483648);
    assert.equal(read("+5", "echoInt32"), 5);
    assert.equal(read(" 12 ", "echoInt32"), 12);
    assert.equal(read("007", "echoInt32"), 7);
    assert.ok(Object.is(read("-0", "echoInt32"), 0));
    refused(() => read("2147483648", "echoInt32"), 'parameter value: expected number, got "2147483648"');
    refused(() => read("-2147483649", "echoInt32"), 'parameter value: expected number, got "-2147483649"');
    assert.equal(read("4294967295", "echoUint32"), 4294967295);
    assert.equal(read("0", "echoUint32"), 0);
    refused(() => read("4294967296", "echoUint32"), 'parameter value: expected number, got "4294967296"');
    refused(() => read("-1", "echoUint32"), 'parameter value: expected number, got "-1"');
  });

  it("reads 64-bit integers as safe numbers unless they are bigints", () => {
    assert.equal(read("9007199254740991", "echoInt64"), Number.MAX_SAFE_INTEGER);
    assert.equal(read("-9007199254740991", "echoInt64"), Number.MIN_SAFE_INTEGER);
    refused(() => read("9007199254740992", "echoInt64"), 'parameter value: expected number, got "9007199254740992"');
    refused(() => read("-9007199254740992", "echoInt64"), 'parameter value: expected number, got "-9007199254740992"');
    assert.equal(read("9007199254740991", "echoUint64"), Number.MAX_SAFE_INTEGER);
    refused(() => read("18446744073709551615", "echoUint64"), 'parameter value: expected number, got "18446744073709551615"');
    refused(() => read("-1", "echoUint64"), 'parameter value: expected number, got "-1"');
  });

  it("reads bigints exactly beyond 2^53, up to the edges of int64", () => {
    assert.equal(read("9007199254740993", "echoBigint"), 9007199254740993n);
    assert.equal(read("-9007199254740993", "echoBigint"), -9007199254740993n);
    assert.equal(read("9223372036854775807", "echoBigint"), 2n ** 63n - 1n);
    assert.equal(read("-9223372036854775808", "echoBigint"), -(2n ** 63n));
    assert.equal(read("0", "echoBigint"), 0n);
    refused(() => read("9223372036854775808", "echoBigint"), 'parameter value: expected bigint, got "9223372036854775808"');
    refused(() => read("-9223372036854775809", "echoBigint"), 'parameter value: expected bigint, got "-9223372036854775809"');
  });

  it("refuses integers written as fractions, exponents, hex or not at all", () => {
    for (const text of ["1.5", "1.0", "1e3", "0x10", "", "five", "1 000", "\u0661\u0662", "--1"]) {
      refused(() => read(text, "echoInt32"), `parameter value: expected number, got ${JSON.stringify(text)}`);
    }
    refused(() => read("1.5", "echoBigint"), 'parameter value: expected bigint, got "1.5"');
    refused(() => read("0x10", "echoBigint"), 'parameter value: expected bigint, got "0x10"');
  });
});

describe("readArgument: booleans, strings, enums, bytes, dates", () => {
  it("reads only true and false as booleans", () => {
    assert.equal(read("true", "echoBoolean"), true);
    assert.equal(read("false", "echoBoolean"), false);
    for (const text of ["TRUE", "True", " true", "1", "0", "", "yes"]) {
      refused(() => read(text, "echoBoolean"), `parameter value: expected boolean, got ${JSON.stringify(text)}`);
    }
  });

  it("takes strings as typed", () => {
    assert.equal(read("  any text \n", "echoString"), "  any text \n");
    assert.equal(read("", "echoString"), "");
    assert.equal(read('{"not":"json"}', "echoString"), '{"not":"json"}');
  });

  it("reads enum values by their TypeScript value", () => {
    assert.equal(read("square", "echoWaveform"), "square");
    assert.equal(read("external", "echoTriggerMode"), "external");
    refused(() => read("SINE", "echoWaveform"), 'parameter waveform: expected one of sine, square, triangle (Waveform), got "SINE"');
    refused(() => read(" sine", "echoWaveform"), 'parameter waveform: expected one of sine, square, triangle (Waveform), got " sine"');
    refused(() => read("External", "echoTriggerMode"), 'parameter mode: expected one of internal, external (TriggerMode), got "External"');
    const level = field("level", { kind: "enum", name: "Level" });
    assert.equal(readArgument("0", level, lab), 0);
    assert.equal(readArgument("1", level, lab), 1);
    refused(() => readArgument("2", level, lab), 'parameter level: expected one of 0, 1 (Level), got "2"');
    refused(() => readArgument("Off", level, lab), 'parameter level: expected one of 0, 1 (Level), got "Off"');
    const legacy = field("legacy", { kind: "enum", name: "Legacy" });
    assert.equal(readArgument("a", legacy, lab), "a");
    refused(() => readArgument("unset", legacy, lab), 'parameter legacy: expected one of a, b (Legacy), got "unset"');
  });

  it("reads bytes from base64", () => {
    assert.deepStrictEqual(read("AQID", "echoBytes"), new Uint8Array([1, 2, 3]));
    assert.deepStrictEqual(read("AQI=", "echoBytes"), new Uint8Array([1, 2]));
    assert.deepStrictEqual(read("AQ==", "echoBytes"), new Uint8Array([1]));
    assert.deepStrictEqual(read("/+8=", "echoBytes"), new Uint8Array([255, 239]));
    assert.deepStrictEqual(read(" AQID ", "echoBytes"), new Uint8Array([1, 2, 3]));
    assert.deepStrictEqual(read("", "echoBytes"), new Uint8Array([]));
    // A plain Uint8Array, not a Buffer.
    assert.equal(Object.getPrototypeOf(read("AQID", "echoBytes")), Uint8Array.prototype);
    for (const text of ["A", "AQI", "A===", "@@@@", "-_8=", "AQ=D", "AQID!"]) {
      refused(() => read(text, "echoBytes"), `parameter value: expected Uint8Array, got ${JSON.stringify(text)}`);
    }
  });

  it("reads dates from ISO text", () => {
    assert.equal((read("2024-01-02T03:04:05.678Z", "echoDate") as Date).getTime(), Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    assert.equal((read("2024-01-02T03:04:05+02:00", "echoDate") as Date).getTime(), Date.UTC(2024, 0, 2, 1, 4, 5));
    assert.equal((read(" 2024-01-01T00:00:00Z ", "echoDate") as Date).getTime(), Date.UTC(2024, 0, 1));
    assert.equal((read("2024-01-01", "echoDate") as Date).getTime(), Date.UTC(2024, 0, 1));
    assert.ok(read("2024-01-01", "echoDate") instanceof Date);
    for (const text of ["", "yesterday", "1/2/2024", "2024-13-01", "2024-01-01 garbage", "1704067200000", "24-01-01"]) {
      refused(() => read(text, "echoDate"), `parameter value: expected Date, got ${JSON.stringify(text)}`);
    }
  });

  it("refuses a day the month does not have", () => {
    assert.throws(() => read("2024-02-30", "echoDate"), InvalidArgumentError);
  });
});

describe("readArgument: JSON", () => {
  it("refuses malformed JSON naming the parameter and the type", () => {
    for (const text of ["[1,", "x", "", "[1 2]"]) {
      refused(() => read(text, "echoList"), `parameter values: expected JSON for number[], ${jsonError(text)}`);
    }
    refused(() => read("{channel: 1}", "echoSetting"), `parameter setting: expected JSON for ChannelSetting, ${jsonError("{channel: 1}")}`);
    refused(() => read("[1,", "echoFloat64Array"), `parameter values: expected JSON for Float64Array, ${jsonError("[1,")}`);
  });

  it("reads lists of numbers, with NaN and the infinities as texts", () => {
    const values = read('[1, 2.5, "NaN", "-Infinity", -3e2, "1e3"]', "echoList");
    assert.ok(Array.isArray(values));
    assert.deepStrictEqual(values, [1, 2.5, NaN, -Infinity, -300, 1000]);
    assert.deepStrictEqual(read("[]", "echoList"), []);
    refused(() => read('{"a":1}', "echoList"), 'parameter values: expected number[], got {"a":1}');
    refused(() => read('[1, "x"]', "echoList"), 'parameter values[1]: expected number, got "x"');
    refused(() => read("[true]", "echoList"), "parameter values[0]: expected number, got true");
    refused(() => read("[null]", "echoList"), "parameter values[0]: expected number, got null");
    refused(() => read("[[1]]", "echoList"), "parameter values[0]: expected number, got [1]");
  });

  it("keeps the sign of a negative zero given as a JSON number", () => {
    assert.ok(Object.is((read("[-0]", "echoList") as number[])[0], -0));
  });

  it("reads maps", () => {
    assert.deepStrictEqual(read('{"a": 1, "b": "Infinity", "c d": -0.5}', "echoRecord"), { a: 1, b: Infinity, "c d": -0.5 });
    assert.deepStrictEqual(read("{}", "echoRecord"), {});
    refused(() => read("[1]", "echoRecord"), "parameter values: expected Record<string, number>, got [1]");
    refused(() => read("null", "echoRecord"), "parameter values: expected Record<string, number>, got null");
    refused(() => read('{"a": "x"}', "echoRecord"), 'parameter values.a: expected number, got "x"');
  });

  it("makes typed arrays of the right class with exact values", () => {
    assertTyped(read('[1.5, -2, "NaN", 1e300]', "echoFloat64Array"), Float64Array, [1.5, -2, NaN, 1e300]);
    assertTyped(read("[0.1, 3.5]", "echoFloat32Array"), Float32Array, [Math.fround(0.1), 3.5]);
    assertTyped(read("[-2147483648, 2147483647]", "echoInt32Array"), Int32Array, [-2147483648, 2147483647]);
    assertTyped(read("[0, 4294967295]", "echoUint32Array"), Uint32Array, [0, 4294967295]);
    assertTyped(read("[-32768, 32767]", "echoInt16Array"), Int16Array, [-32768, 32767]);
    assertTyped(read('[0, "65535"]', "echoUint16Array"), Uint16Array, [0, 65535]);
    assertTyped(read("[-128, 127]", "echoInt8Array"), Int8Array, [-128, 127]);
    assertTyped(read('["9007199254740993", -5, "-9223372036854775808"]', "echoBigInt64Array"), BigInt64Array, [9007199254740993n, -5n, -(2n ** 63n)]);
    assertTyped(read('["18446744073709551615", 0]', "echoBigUint64Array"), BigUint64Array, [2n ** 64n - 1n, 0n]);
    assertTyped(read("[]", "echoInt8Array"), Int8Array, []);
  });

  it("refuses typed-array elements outside the element type", () => {
    refused(() => read("[3.5e38]", "echoFloat32Array"), 'parameter values[0]: expected number, got "3.5e+38"');
    refused(() => read("[2147483648]", "echoInt32Array"), 'parameter values[0]: expected number, got "2147483648"');
    refused(() => read("[1.5]", "echoInt32Array"), "parameter values[0]: expected number, got 1.5");
    refused(() => read("[-1]", "echoUint32Array"), 'parameter values[0]: expected number, got "-1"');
    refused(() => read("[-1]", "echoUint16Array"), 'parameter values[0]: expected number, got "-1"');
    refused(() => read('["-1"]', "echoBigUint64Array"), 'parameter values[0]: expected bigint, got "-1"');
    refused(() => read('["9223372036854775808"]', "echoBigInt64Array"), 'parameter values[0]: expected bigint, got "9223372036854775808"');
    refused(() => read("[1.5]", "echoBigInt64Array"), "parameter values[0]: expected bigint, got 1.5");
    refused(() => read("1", "echoFloat64Array"), "parameter values: expected Float64Array, got 1");
  });

  it("refuses elements outside a narrow typed array's range", () => {
    assert.throws(() => read("[300]", "echoInt8Array"), InvalidArgumentError);
    assert.throws(() => read("[-129]", "echoInt8Array"), InvalidArgumentError);
    assert.throws(() => read("[70000]", "echoInt16Array"), InvalidArgumentError);
    assert.throws(() => read("[65536]", "echoUint16Array"), InvalidArgumentError);
  });

  it("does not round a bigint given as a JSON number beyond 2^53", () => {
    assert.throws(() => read("[9007199254740993]", "echoBigInt64Array"), InvalidArgumentError);
  });

  it("reads a message with nested lists, maps, enums, dates and an optional field", () => {
    assert.deepStrictEqual(read(setting({ channel: 3, waveform: "triangle", offset: -0.25 }), "echoSetting"), {
      channel: 3,
      waveform: "triangle",
      harmonics: [1, 0.5],
      labels: { a: "b" },
      madeAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      offset: -0.25,
    });
    // Numbers as texts; an optional field null or absent is omitted.
    const withNull = read(setting({ channel: "7", offset: null }), "echoSetting") as Record<string, unknown>;
    assert.equal(withNull.channel, 7);
    assert.ok(!("offset" in withNull));
    assert.ok(!("offset" in (read(setting({}), "echoSetting") as object)));
    assert.deepStrictEqual(read('{"interval": 0.001, "samples": [1, "NaN"], "counts": [-3, 4]}', "echoTrace"), {
      interval: 0.001,
      samples: new Float64Array([1, NaN]),
      counts: new Int16Array([-3, 4]),
    });
  });

  it("refuses an unknown field, naming it and listing the fields", () => {
    refused(
      () => read(setting({ foo: 1 }), "echoSetting"),
      "parameter setting: ChannelSetting has no field foo (fields: channel, waveform, harmonics, labels, madeAt, offset)",
    );
    refused(
      () => read('{"interval": 1, "samples": [], "counts": [], "Interval": 2}', "echoTrace"),
      "parameter trace: Trace has no field Interval (fields: interval, samples, counts)",
    );
  });

  it("refuses a missing or null required field, naming its path and type", () => {
    refused(() => read(setting({ channel: undefined }), "echoSetting"), "parameter setting.channel: required (number)");
    refused(() => read(setting({ channel: null }), "echoSetting"), "parameter setting.channel: required (number)");
    refused(() => read(setting({ madeAt: undefined }), "echoSetting"), "parameter setting.madeAt: required (Date)");
    refused(() => read(setting({ harmonics: undefined }), "echoSetting"), "parameter setting.harmonics: required (number[])");
    refused(() => read(setting({ labels: undefined }), "echoSetting"), "parameter setting.labels: required (Record<string, string>)");
    refused(() => read('{"interval": 1, "samples": []}', "echoTrace"), "parameter trace.counts: required (Int16Array)");
  });

  it("refuses wrong values inside a message, naming their path", () => {
    refused(() => read(setting({ waveform: "SINE" }), "echoSetting"), 'parameter setting.waveform: expected one of sine, square, triangle (Waveform), got "SINE"');
    refused(() => read(setting({ waveform: 1 }), "echoSetting"), 'parameter setting.waveform: expected one of sine, square, triangle (Waveform), got "1"');
    refused(() => read(setting({ harmonics: [1, "x"] }), "echoSetting"), 'parameter setting.harmonics[1]: expected number, got "x"');
    refused(() => read(setting({ labels: { a: 5 } }), "echoSetting"), "parameter setting.labels.a: expected string, got 5");
    refused(() => read(setting({ madeAt: 12 }), "echoSetting"), "parameter setting.madeAt: expected Date, got 12");
    refused(() => read(setting({ madeAt: "soon" }), "echoSetting"), 'parameter setting.madeAt: expected Date, got "soon"');
    refused(() => read(setting({ channel: 1.5 }), "echoSetting"), "parameter setting.channel: expected number, got 1.5");
    refused(() => read(setting({ channel: -1 }), "echoSetting"), 'parameter setting.channel: expected number, got "-1"');
    refused(() => read(setting({ channel: true }), "echoSetting"), "parameter setting.channel: expected number, got true");
    refused(() => read("null", "echoSetting"), "parameter setting: expected ChannelSetting, got null");
    refused(() => read("[]", "echoSetting"), "parameter setting: expected ChannelSetting, got []");
    // A long value is shown cut at 80 characters.
    refused(() => read(JSON.stringify("a".repeat(200)), "echoSetting"), `parameter setting: expected ChannelSetting, got "${"a".repeat(79)}...`);
  });

  it("reads nested messages, bigints, bytes, booleans and numeric enums in JSON", () => {
    const reading = field("reading", { kind: "message", name: "Reading" });
    const given = {
      position: { x: 1, y: "-Infinity" },
      label: "probe",
      raw: "AQID",
      count: "-9007199254740993",
      ok: true,
      at: "2024-05-06T07:08:09.010Z",
      level: 0,
      history: [],
      tags: { t: 2 },
      total: 4294967295,
      ratio: 0.5,
    };
    assert.deepStrictEqual(readArgument(JSON.stringify(given), reading, lab), {
      position: { x: 1, y: -Infinity },
      label: "probe",
      raw: new Uint8Array([1, 2, 3]),
      count: -9007199254740993n,
      ok: true,
      at: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 10)),
      level: 0,
      history: [],
      tags: { t: 2 },
      total: 4294967295,
      ratio: 0.5,
    });
    assert.equal((readArgument(JSON.stringify({ ...given, level: "1" }), reading, lab) as { level: unknown }).level, 1);
    refused(() => readArgument(JSON.stringify({ ...given, ok: "true" }), reading, lab), 'parameter reading.ok: expected boolean, got "true"');
    refused(() => readArgument(JSON.stringify({ ...given, label: 1 }), reading, lab), "parameter reading.label: expected string, got 1");
    refused(() => readArgument(JSON.stringify({ ...given, raw: "A" }), reading, lab), 'parameter reading.raw: expected Uint8Array, got "A"');
    refused(() => readArgument(JSON.stringify({ ...given, level: 2 }), reading, lab), 'parameter reading.level: expected one of 0, 1 (Level), got "2"');
    refused(() => readArgument(JSON.stringify({ ...given, position: { x: 1 } }), reading, lab), "parameter reading.position.y: required (number)");
    refused(
      () => readArgument(JSON.stringify({ ...given, position: { x: 1, y: 2, z: 3 } }), reading, lab),
      "parameter reading.position: Point has no field z (fields: x, y)",
    );
    refused(() => readArgument("1", field("nothing", { kind: "void" }), lab), "parameter nothing: expected void, got 1");
  });

  it("refuses bytes given as a JSON number with an InvalidArgumentError", () => {
    assert.throws(() => readArgument('{"data": 5}', field("blob", { kind: "message", name: "Blob" }), lab), InvalidArgumentError);
    assert.throws(() => readArgument("[5]", field("chunks", { kind: "list", of: { kind: "scalar", proto: "bytes" } }), lab), InvalidArgumentError);
  });

  it("refuses nesting deeper than 16 levels", () => {
    const node = field("node", { kind: "message", name: "Node" });
    // The message at depth 16 is read; anything at depth 17, message or number, is refused.
    let inner = readArgument(nestChildren(16, "{}"), node, lab) as { child?: unknown };
    for (let i = 0; i < 16; i++) inner = inner.child as { child?: unknown };
    assert.deepStrictEqual(inner, {});
    let valued = readArgument(nestChildren(15, '{"value": 1}'), node, lab) as { child?: unknown; value?: unknown };
    for (let i = 0; i < 15; i++) valued = valued.child as { child?: unknown };
    assert.deepStrictEqual(valued, { value: 1 });
    refused(() => readArgument(nestChildren(17, "{}"), node, lab), `parameter node${".child".repeat(17)}: nested more than 16 levels`);
    refused(() => readArgument(nestChildren(16, '{"value": 1}'), node, lab), `parameter node${".child".repeat(16)}.value: nested more than 16 levels`);
    let listType: TypeDescriptor = DOUBLE;
    for (let i = 0; i < 20; i++) listType = { kind: "list", of: listType };
    const lists = field("lists", listType);
    assert.deepStrictEqual(readArgument(JSON.stringify(nestArrays(16, [])), lists, lab), nestArrays(16, []));
    refused(
      () => readArgument(JSON.stringify(nestArrays(17, [])), lists, lab),
      `parameter lists${"[0]".repeat(17)}: nested more than 16 levels`,
    );
  });
});

describe("resultJson", () => {
  it("writes bigints and non-finite numbers as text, dates as ISO text", () => {
    assert.equal(resultJson(12n), "12");
    assert.equal(resultJson(-5n), "-5");
    assert.equal(resultJson(2n ** 64n - 1n), "18446744073709551615");
    assert.equal(resultJson(NaN), "NaN");
    assert.equal(resultJson(Infinity), "Infinity");
    assert.equal(resultJson(-Infinity), "-Infinity");
    assert.equal(resultJson(1.5), 1.5);
    assert.equal(resultJson(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), "2024-01-02T03:04:05.678Z");
    assert.equal(resultJson(new Date(NaN)), "Invalid Date");
    assert.equal(resultJson("text"), "text");
    assert.equal(resultJson(true), true);
    assert.equal(resultJson(null), null);
  });

  it("writes bytes as base64, of the view only", () => {
    assert.equal(resultJson(new Uint8Array([1, 2, 3])), "AQID");
    assert.equal(resultJson(Buffer.from([255])), "/w==");
    assert.equal(resultJson(new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4)), "AQID");
    assert.equal(resultJson(new Uint8Array(0)), "");
    // Bytes beyond 64 KiB are left out (without a mark).
    const big = new Uint8Array(70_000).map((_, i) => i % 251);
    assert.equal(resultJson(big), Buffer.from(big.subarray(0, 64 * 1024)).toString("base64"));
  });

  it("writes typed arrays as arrays of JSON values", () => {
    assert.deepStrictEqual(resultJson(new Float64Array([1.5, NaN, -Infinity])), [1.5, "NaN", "-Infinity"]);
    assert.deepStrictEqual(resultJson(new Float32Array([0.1])), [Math.fround(0.1)]);
    assert.deepStrictEqual(resultJson(new Int16Array([-3, 4])), [-3, 4]);
    assert.deepStrictEqual(resultJson(new BigInt64Array([-1n, 2n ** 62n])), ["-1", "4611686018427387904"]);
    assert.deepStrictEqual(resultJson(new BigUint64Array([2n ** 64n - 1n])), ["18446744073709551615"]);
    assert.deepStrictEqual(resultJson(new Uint8ClampedArray([1, 255])), [1, 255]);
  });

  it("cuts lists longer than 1000 items, counting the rest", () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i);
    assert.deepStrictEqual(resultJson(thousand), thousand);
    assert.deepStrictEqual(resultJson([...thousand, 1000]), [...thousand, "... 1 more"]);
    const long = resultJson(new Float64Array(2500).map((_, i) => i)) as unknown[];
    assert.equal(long.length, 1001);
    assert.deepStrictEqual(long.slice(0, 3), [0, 1, 2]);
    assert.equal(long[999], 999);
    assert.equal(long[1000], "... 1500 more");
    assert.deepStrictEqual(resultJson([[1n, ...thousand]]), [["1", ...thousand.slice(0, 999), "... 1 more"]]);
  });

  it("converts nested records and lists", () => {
    assert.deepStrictEqual(
      resultJson({ a: { b: [1n, new Date(0)], c: NaN }, d: "text", e: null, f: true, g: new Uint8Array([1]), h: [{ i: new Int8Array([-1]) }] }),
      { a: { b: ["1", "1970-01-01T00:00:00.000Z"], c: "NaN" }, d: "text", e: null, f: true, g: "AQ==", h: [{ i: [-1] }] },
    );
  });

  it("keeps 16 levels of nesting, then writes ...", () => {
    assert.deepStrictEqual(resultJson(nestArrays(16, 1n)), nestArrays(16, "1"));
    assert.deepStrictEqual(resultJson(nestArrays(17, 1n)), nestArrays(17, "..."));
    assert.deepStrictEqual(resultJson(nestArrays(20, 1n)), nestArrays(17, "..."));
  });
});

describe("numericFields", () => {
  it("plots a bare number or boolean as value", () => {
    assert.deepStrictEqual(numericFields(DOUBLE, sine), ["value"]);
    assert.deepStrictEqual(numericFields({ kind: "scalar", proto: "int64", bigint: true }, sine), ["value"]);
    assert.deepStrictEqual(numericFields({ kind: "scalar", proto: "uint32" }, sine), ["value"]);
    assert.deepStrictEqual(numericFields({ kind: "scalar", proto: "bool" }, sine), ["value"]);
  });

  it("plots nothing of strings, bytes, dates, enums, lists and maps", () => {
    for (const type of [
      { kind: "scalar", proto: "string" },
      { kind: "scalar", proto: "bytes" },
      { kind: "timestamp" },
      { kind: "enum", name: "Waveform" },
      { kind: "list", of: DOUBLE },
      { kind: "list", of: DOUBLE, typed: "Float64Array" },
      { kind: "map", of: DOUBLE },
      { kind: "void" },
      { kind: "message", name: "NoSuchMessage" },
    ] as TypeDescriptor[]) {
      assert.deepStrictEqual(numericFields(type, echo), [], JSON.stringify(type));
    }
  });

  it("plots a message's number fields by name, nested ones by dotted path", () => {
    assert.deepStrictEqual(numericFields(sine.signals[0]!.payload, sine), ["t", "value"]);
    assert.deepStrictEqual(numericFields(echo.signals[0]!.payload, echo), ["interval"]);
    assert.deepStrictEqual(numericFields({ kind: "message", name: "Reading" }, lab), ["position.x", "position.y", "count", "ok", "total", "ratio"]);
  });

  it("stops following a recursive message at 16 levels", () => {
    const fields = numericFields({ kind: "message", name: "Node" }, lab);
    assert.equal(fields.length, 16);
    assert.equal(fields[0], "value");
    assert.equal(fields[1], "child.value");
    assert.equal(fields[15], `${"child.".repeat(15)}value`);
  });
});

describe("readNumbers", () => {
  it("reads a bare payload as value", () => {
    assert.deepStrictEqual(readNumbers(2.5, ["value"]), [2.5]);
    assert.deepStrictEqual(readNumbers(-0.25, ["value"]), [-0.25]);
    assert.deepStrictEqual(readNumbers(5n, ["value"]), [5]);
    assert.deepStrictEqual(readNumbers(true, ["value"]), [1]);
    assert.deepStrictEqual(readNumbers(false, ["value"]), [0]);
    assert.deepStrictEqual(readNumbers(NaN, ["value"]), [null]);
    assert.deepStrictEqual(readNumbers(Infinity, ["value"]), [null]);
    assert.deepStrictEqual(readNumbers(-Infinity, ["value"]), [null]);
    assert.deepStrictEqual(readNumbers("7", ["value"]), [null]);
    assert.deepStrictEqual(readNumbers(undefined, ["value"]), [null]);
    assert.deepStrictEqual(readNumbers(null, ["value"]), [null]);
  });

  it("reads a message's fields by path", () => {
    // A message with a field named value, like the noisy sine generator's Sample.
    assert.deepStrictEqual(readNumbers({ t: 1.5, value: -0.25 }, ["t", "value"]), [1.5, -0.25]);
    assert.deepStrictEqual(readNumbers({ value: 2 }, ["value"]), [2]);
    assert.deepStrictEqual(
      readNumbers({ position: { x: 1, y: NaN }, count: 12n, ok: true, total: 7, ratio: Infinity }, ["position.x", "position.y", "count", "ok", "total", "ratio"]),
      [1, null, 12, 1, 7, null],
    );
    assert.deepStrictEqual(readNumbers({ count: 2n ** 63n - 1n }, ["count"]), [Number(2n ** 63n - 1n)]);
  });

  it("gives null for absent fields and for paths through non-messages", () => {
    assert.deepStrictEqual(readNumbers({ position: {} }, ["position.x", "position.y", "count"]), [null, null, null]);
    assert.deepStrictEqual(readNumbers({ position: 3 }, ["position.x"]), [null]);
    assert.deepStrictEqual(readNumbers({ position: [1, 2] }, ["position.0"]), [null]);
    assert.deepStrictEqual(readNumbers({ label: "5", raw: new Uint8Array([1]), at: new Date(0) }, ["label", "raw", "at"]), [null, null, null]);
    assert.deepStrictEqual(readNumbers(null, ["a.b"]), [null]);
    assert.deepStrictEqual(readNumbers(3, ["t"]), [null]);
    assert.deepStrictEqual(readNumbers({ a: 1 }, []), []);
  });
});
