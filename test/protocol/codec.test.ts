/**
 * Unit tests of the codec (runtime/protocol/codec.ts): `encodeRequest` / `decodeRequest` / `encodeResponse` /
 * `decodeResponse` and the `encodeValue` / `decodeValue` they are built on, with the committed generated
 * descriptors of the echo instrument and the noisy sine generator. Every kind round-trips, through plain wire
 * objects and through the real protobuf bytes of the generated `.proto` (int64 as number and as bigint, enums,
 * optional parameters and results, nested messages, lists, records, bytes, dates); bad values are refused with an
 * `InvalidArgumentError` naming the value, and an answer that does not decode is a `QmiError`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MethodDefinition } from "@grpc/proto-loader";
import { InvalidArgumentError, QmiError, type MethodDescriptor, type ServiceDescriptor, type TypeDescriptor } from "qmi-ts";
import { EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import {
  decodeRequest,
  decodeResponse,
  decodeValue,
  encodeRequest,
  encodeResponse,
  encodeValue,
  type WireMessage,
} from "../../runtime/protocol/codec.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";

const echo = EchoInstrumentService;
const nsg = NoisySineGeneratorService;

type Rpcs = Record<string, MethodDefinition<WireMessage, WireMessage>>;
const echoRpcs = loadService(echo.protoFile, echo.protoService) as unknown as Rpcs;
const nsgRpcs = loadService(nsg.protoFile, nsg.protoService) as unknown as Rpcs;

function methodOf(service: ServiceDescriptor, name: string): MethodDescriptor {
  const method = service.methods.find((m) => m.name === name);
  assert.ok(method, `${service.className} has no method ${name}`);
  return method;
}

/** Arguments of `name` encoded, serialised to protobuf bytes, parsed back (strictly) and decoded. */
function requestRoundTrip(service: ServiceDescriptor, rpcs: Rpcs, name: string, args: readonly unknown[]): unknown[] {
  const method = methodOf(service, name);
  const rpc = rpcs[method.rpcName]!;
  return decodeRequest(service, method, rpc.requestDeserialize(rpc.requestSerialize(encodeRequest(service, method, args))));
}

/** A result of `name` encoded, serialised to protobuf bytes, parsed back and decoded. */
function responseRoundTrip(service: ServiceDescriptor, rpcs: Rpcs, name: string, result: unknown): unknown {
  const method = methodOf(service, name);
  const rpc = rpcs[method.rpcName]!;
  return decodeResponse(service, method, rpc.responseDeserialize(rpc.responseSerialize(encodeResponse(service, method, result))));
}

/** `assert.throws` matcher: an `InvalidArgumentError` with exactly `message` (or matching it). */
function invalid(message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, `expected an InvalidArgumentError, got ${String(error)}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

/** Encodes `args` for echo's `name`. */
const encodeEcho = (name: string, args: readonly unknown[]) => encodeRequest(echo, methodOf(echo, name), args);

const setting = {
  channel: 3,
  waveform: "triangle",
  harmonics: [1, 0.5, -0.25],
  labels: { owner: "lab 3", "µ": "✓" },
  madeAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
  offset: -0.125,
};

/** One value per echo method, its expected value after the round trip when that differs, and its wire form. */
const echoCases: { method: string; value: unknown; back?: unknown; wire?: unknown }[] = [
  { method: "echoDouble", value: 1.5, wire: 1.5 },
  { method: "echoDouble", value: -1e300 },
  { method: "echoDouble", value: Infinity },
  { method: "echoDouble", value: NaN },
  { method: "echoFloat", value: 0.5 },
  { method: "echoFloat", value: 0.1, back: Math.fround(0.1) },
  { method: "echoInt32", value: -(2 ** 31), wire: -(2 ** 31) },
  { method: "echoInt32", value: 2 ** 31 - 1 },
  { method: "echoUint32", value: 2 ** 32 - 1 },
  { method: "echoInt64", value: Number.MIN_SAFE_INTEGER, wire: "-9007199254740991" },
  { method: "echoInt64", value: Number.MAX_SAFE_INTEGER },
  { method: "echoUint64", value: Number.MAX_SAFE_INTEGER },
  { method: "echoUint64", value: 0, wire: "0" },
  { method: "echoBigint", value: -(2n ** 63n), wire: "-9223372036854775808" },
  { method: "echoBigint", value: 2n ** 63n - 1n },
  { method: "echoBigint", value: 0n },
  { method: "echoString", value: "" },
  { method: "echoString", value: "µ-wave ✓ 🌊" },
  { method: "echoBoolean", value: true },
  { method: "echoBoolean", value: false },
  { method: "echoBytes", value: new Uint8Array([0, 1, 127, 128, 255]) },
  { method: "echoBytes", value: new Uint8Array(0) },
  { method: "echoDate", value: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), wire: { seconds: "1767323045", nanos: 678_000_000 } },
  { method: "echoDate", value: new Date(0) },
  { method: "echoDate", value: new Date(-1), wire: { seconds: "-1", nanos: 999_000_000 } },
  { method: "echoDate", value: new Date(8.64e15) },
  { method: "echoDate", value: new Date(-8.64e15) },
  { method: "echoList", value: [] },
  { method: "echoList", value: [1, -2.5, 1e-300] },
  { method: "echoRecord", value: {} },
  { method: "echoRecord", value: { a: 1, "with space": -2, ü: 3.5 } },
  { method: "echoWaveform", value: "sine", wire: "WAVEFORM_SINE" },
  { method: "echoWaveform", value: "square" },
  { method: "echoWaveform", value: "triangle" },
  { method: "echoTriggerMode", value: "internal", wire: "TRIGGER_MODE_INTERNAL" },
  { method: "echoTriggerMode", value: "external" },
  {
    method: "echoSetting",
    value: setting,
    wire: {
      channel: 3,
      waveform: "WAVEFORM_TRIANGLE",
      harmonics: [1, 0.5, -0.25],
      labels: { owner: "lab 3", "µ": "✓" },
      made_at: { seconds: "1767323045", nanos: 678_000_000 },
      offset: -0.125,
    },
  },
];

const show = (value: unknown) =>
  value instanceof Date ? `Date(${value.getTime()})` : value instanceof Uint8Array ? `bytes[${value.length}]` : typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);

describe("codec round trips (echo instrument)", () => {
  for (const c of echoCases) {
    const expected = "back" in c ? c.back : c.value;

    it(`${c.method}(${show(c.value)}) as a request and as a response`, () => {
      const method = methodOf(echo, c.method);
      const param = method.params[0]!;
      const wire = encodeRequest(echo, method, [c.value]);
      assert.deepEqual(Object.keys(wire), [param.protoName]);
      if ("wire" in c) assert.deepEqual(wire[param.protoName], c.wire, "its wire form");
      // Through plain wire objects (no float32 rounding there) and through protobuf bytes.
      assert.deepEqual(decodeRequest(echo, method, wire), [c.value]);
      assert.deepEqual(requestRoundTrip(echo, echoRpcs, c.method, [c.value]), [expected]);
      const response = encodeResponse(echo, method, c.value);
      if ("wire" in c) assert.deepEqual(response, { value: c.wire });
      assert.deepEqual(decodeResponse(echo, method, response), c.value);
      assert.deepEqual(responseRoundTrip(echo, echoRpcs, c.method, c.value), expected);
    });
  }

  it("keeps 64-bit integers as numbers or bigints as the TypeScript type says", () => {
    const [asNumber] = requestRoundTrip(echo, echoRpcs, "echoInt64", [-42]);
    const [asBigint] = requestRoundTrip(echo, echoRpcs, "echoBigint", [-42n]);
    assert.equal(typeof asNumber, "number");
    assert.equal(typeof asBigint, "bigint");
    assert.equal(asBigint, -42n);
  });

  it("leaves an absent optional field out of the message and out of the decoded object", () => {
    const { offset: _offset, ...withoutOffset } = setting;
    const wire = encodeEcho("echoSetting", [withoutOffset]);
    assert.equal("offset" in (wire.setting as WireMessage), false);
    const [back] = requestRoundTrip(echo, echoRpcs, "echoSetting", [withoutOffset]);
    assert.deepEqual(back, withoutOffset);
    assert.equal(Object.hasOwn(back as object, "offset"), false);
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "echoSetting", [{ ...setting, offset: 0 }]), [{ ...setting, offset: 0 }], "an optional 0 is kept");
  });

  it("decodes bytes into a Uint8Array of its own (not the wire's Buffer)", () => {
    const method = methodOf(echo, "echoBytes");
    const source = Buffer.from([1, 2, 3]);
    const [decoded] = decodeRequest(echo, method, { value: source });
    assert.ok(decoded instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype);
    source[0] = 99;
    assert.deepEqual(decoded, new Uint8Array([1, 2, 3]), "a copy: the wire buffer may be reused");
  });

  it("truncates a Timestamp's nanoseconds to the millisecond a Date holds", () => {
    const method = methodOf(echo, "echoDate");
    assert.deepEqual(decodeRequest(echo, method, { value: { seconds: "1", nanos: 1_999_999 } }), [new Date(1001)]);
    assert.deepEqual(decodeRequest(echo, method, { value: { seconds: 2 } }), [new Date(2000)], "absent nanos are 0");
  });
});

describe("optional parameters and results", () => {
  const sum = methodOf(echo, "sum");

  it("leaves absent optional parameters out of the request, and decodes them as undefined", () => {
    assert.deepEqual(encodeRequest(echo, sum, [1]), { a: 1 });
    assert.deepEqual(encodeRequest(echo, sum, [1, undefined, 3]), { a: 1, c: 3 });
    assert.deepEqual(encodeRequest(echo, sum, [1, 2, undefined]), { a: 1, b: 2 });
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "sum", [1]), [1]);
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "sum", [1, undefined, 3]), [1, undefined, 3], "a gap stays a gap");
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "sum", [1, 2, undefined]), [1, 2], "trailing absent arguments are dropped");
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "sum", [1, 0, 0]), [1, 0, 0], "a present 0 is not absent");
  });

  it("checks the number of arguments against the required and optional parameters", () => {
    assert.throws(() => encodeRequest(echo, sum, []), invalid("sum() takes 1 to 3 arguments, got 0: sum(a: number, b?: number, c?: int32): Promise<number>"));
    assert.throws(() => encodeRequest(echo, sum, [1, 2, 3, 4]), invalid(/^sum\(\) takes 1 to 3 arguments, got 4/));
    assert.throws(() => encodeEcho("echoDouble", []), invalid("echoDouble() takes 1 argument, got 0: echoDouble(value: number): Promise<number>"));
    const getFrequency = methodOf(nsg, "getFrequency");
    assert.deepEqual(encodeRequest(nsg, getFrequency, []), {});
    assert.throws(() => encodeRequest(nsg, getFrequency, [1]), invalid("getFrequency() takes 0 arguments, got 1: getFrequency(): Promise<number>"));
    assert.throws(() => encodeRequest(echo, sum, [undefined]), invalid("Invalid argument a: a value is required"));
    assert.throws(() => encodeRequest(echo, sum, [1, null]), invalid("Invalid argument b: expected a number, got null"), "null is not absent");
  });

  it("carries an optional result's presence: undefined is absent, \"\" is present", () => {
    const nonEmpty = methodOf(echo, "nonEmpty");
    assert.deepEqual(encodeResponse(echo, nonEmpty, undefined), {});
    assert.deepEqual(encodeResponse(echo, nonEmpty, ""), { value: "" });
    assert.equal(decodeResponse(echo, nonEmpty, {}), undefined);
    assert.equal(decodeResponse(echo, nonEmpty, { value: null }), undefined);
    assert.equal(responseRoundTrip(echo, echoRpcs, "nonEmpty", undefined), undefined);
    assert.equal(responseRoundTrip(echo, echoRpcs, "nonEmpty", ""), "");
    assert.equal(responseRoundTrip(echo, echoRpcs, "nonEmpty", "x"), "x");
  });

  it("encodes a void result as an empty response and decodes any response of a void method as undefined", () => {
    const setAmplitude = methodOf(nsg, "setAmplitude");
    assert.deepEqual(encodeResponse(nsg, setAmplitude, undefined), {});
    assert.deepEqual(encodeResponse(nsg, setAmplitude, 42), {}, "a void method's stray return value is not sent");
    assert.equal(decodeResponse(nsg, setAmplitude, { value: "junk" }), undefined);
    assert.deepEqual(requestRoundTrip(nsg, nsgRpcs, "setAmplitude", [2.5]), [2.5]);
    assert.equal(responseRoundTrip(nsg, nsgRpcs, "setAmplitude", undefined), undefined);
    assert.equal(responseRoundTrip(nsg, nsgRpcs, "getAmplitude", 2.5), 2.5);
  });

  it("refuses an absent required result of a non-optional kind that has no default", () => {
    assert.throws(() => encodeResponse(echo, methodOf(echo, "echoDouble"), undefined), invalid("Invalid argument result of echoDouble(): expected a number, got undefined"));
    assert.throws(() => decodeResponse(echo, methodOf(echo, "echoDate"), {}), (error: unknown) => {
      assert.ok(error instanceof QmiError);
      assert.match(error.message, /^The answer of echoDate\(\) does not decode: Invalid argument result of echoDate\(\): a value is required$/);
      return true;
    });
  });
});

describe("encoding refuses values of the wrong type, naming them", () => {
  const cases: { method: string; value: unknown; message: string | RegExp }[] = [
    { method: "echoDouble", value: "1", message: 'Invalid argument value: expected a number, got the string "1"' },
    { method: "echoDouble", value: 1n, message: "Invalid argument value: expected a number, got 1" },
    { method: "echoFloat", value: null, message: "Invalid argument value: expected a number, got null" },
    { method: "echoBoolean", value: 1, message: "Invalid argument value: expected a boolean, got 1" },
    { method: "echoString", value: 5, message: "Invalid argument value: expected a string, got 5" },
    { method: "echoString", value: "ab\uD800", message: /^Invalid argument value: expected a well-formed string \(it has a lone surrogate/ },
    { method: "echoString", value: "\uDC00", message: /lone surrogate/ },
    { method: "echoBytes", value: [1, 2], message: "Invalid argument value: expected a Uint8Array, got an array" },
    { method: "echoBytes", value: "AQI=", message: /expected a Uint8Array, got the string/ },
    { method: "echoInt32", value: 1.5, message: "Invalid argument value: expected an integer (int32), got 1.5" },
    { method: "echoInt32", value: NaN, message: "Invalid argument value: expected an integer (int32), got NaN" },
    { method: "echoInt32", value: 2 ** 31, message: "Invalid argument value: expected an integer in [-2147483648, 2147483647] (int32), got 2147483648" },
    { method: "echoUint32", value: -1, message: "Invalid argument value: expected an integer in [0, 4294967295] (uint32), got -1" },
    { method: "echoUint32", value: 2 ** 32, message: /expected an integer in \[0, 4294967295\] \(uint32\), got 4294967296/ },
    { method: "echoInt64", value: 2 ** 53, message: "Invalid argument value: expected a safe integer (int64; use bigint beyond 2^53), got 9007199254740992" },
    { method: "echoInt64", value: 5n, message: "Invalid argument value: expected an integer (int64), got 5" },
    { method: "echoUint64", value: -1, message: "Invalid argument value: expected a safe non-negative integer (uint64; use bigint beyond 2^53), got -1" },
    { method: "echoBigint", value: 5, message: "Invalid argument value: expected a int64 bigint, got 5" },
    { method: "echoBigint", value: 2n ** 63n, message: "Invalid argument value: expected a int64 bigint, got 9223372036854775808" },
    { method: "echoBigint", value: -(2n ** 63n) - 1n, message: /expected a int64 bigint, got -9223372036854775809/ },
    { method: "echoDate", value: "2026-01-01", message: 'Invalid argument value: expected a valid Date, got the string "2026-01-01"' },
    { method: "echoDate", value: new Date(NaN), message: "Invalid argument value: expected a valid Date, got a Date" },
    { method: "echoDate", value: Date.now(), message: /expected a valid Date, got \d+/ },
    { method: "echoList", value: { 0: 1 }, message: "Invalid argument values: expected an array, got an object" },
    { method: "echoList", value: [1, "2", 3], message: 'Invalid argument values[1]: expected a number, got the string "2"' },
    { method: "echoRecord", value: [1], message: "Invalid argument values: expected a record of string keys, got an array" },
    { method: "echoRecord", value: null, message: "Invalid argument values: expected a record of string keys, got null" },
    { method: "echoRecord", value: { a: 1, b: "x" }, message: 'Invalid argument values.b: expected a number, got the string "x"' },
    { method: "echoRecord", value: { "\uD800": 1 }, message: /^Invalid argument values key: expected a well-formed string/ },
    { method: "echoRecord", value: JSON.parse('{"__proto__": 1}') as unknown, message: /^Invalid argument values: the key "__proto__" cannot be carried in a map/ },
    { method: "echoWaveform", value: "circle", message: 'Invalid argument waveform: expected one of "sine", "square", "triangle", got the string "circle"' },
    { method: "echoWaveform", value: "WAVEFORM_SINE", message: /expected one of "sine", "square", "triangle", got the string "WAVEFORM_SINE"/ },
    { method: "echoWaveform", value: 1, message: /expected one of .*, got 1$/ },
    { method: "echoTriggerMode", value: undefined, message: "Invalid argument mode: a value is required" },
    { method: "echoSetting", value: null, message: "Invalid argument setting: expected an object (ChannelSetting), got null" },
    { method: "echoSetting", value: [setting], message: "Invalid argument setting: expected an object (ChannelSetting), got an array" },
    { method: "echoSetting", value: new Date(0), message: "Invalid argument setting: expected an object (ChannelSetting), got a Date" },
    { method: "echoSetting", value: { ...setting, madeAt: undefined }, message: "Invalid argument setting.madeAt: a value is required" },
    { method: "echoSetting", value: { ...setting, channel: -1 }, message: /^Invalid argument setting\.channel: expected an integer in \[0, 4294967295\] \(uint32\), got -1$/ },
    { method: "echoSetting", value: { ...setting, harmonics: [1, null] }, message: "Invalid argument setting.harmonics[1]: expected a number, got null" },
    { method: "echoSetting", value: { ...setting, labels: { ok: "x", bad: 2 } }, message: "Invalid argument setting.labels.bad: expected a string, got 2" },
    { method: "echoSetting", value: { ...setting, waveform: "saw" }, message: /^Invalid argument setting\.waveform: expected one of/ },
    { method: "echoSetting", value: { ...setting, offset: "1" }, message: 'Invalid argument setting.offset: expected a number, got the string "1"' },
  ];

  for (const c of cases) {
    it(`${c.method}(${show(c.value)})`, () => {
      assert.throws(() => encodeEcho(c.method, [c.value]), invalid(c.message));
      const method = methodOf(echo, c.method);
      if (c.value !== undefined) {
        assert.throws(() => encodeResponse(echo, method, c.value), invalid(/^Invalid argument result of echo\w+\(\)/), "a result is checked too");
      }
    });
  }

  it("accepts a Buffer for bytes (it is a Uint8Array)", () => {
    assert.deepEqual(requestRoundTrip(echo, echoRpcs, "echoBytes", [Buffer.from("hi")]), [new Uint8Array([104, 105])]);
  });

  it("encodes and decodes a message of a signal payload with encodeValue / decodeValue", () => {
    const sample: TypeDescriptor = { kind: "message", name: "Sample" };
    assert.deepEqual(encodeValue(nsg, sample, { t: 1.5, value: -2 }, "payload"), { t: 1.5, value: -2 });
    assert.deepEqual(decodeValue(nsg, sample, { t: 1.5, value: -2 }), { t: 1.5, value: -2 });
    assert.throws(() => encodeValue(nsg, sample, { t: 1.5 }, "payload"), invalid("Invalid argument payload.value: a value is required"));
    assert.equal(encodeValue(nsg, { kind: "void" }, 42, "x"), undefined);
    assert.equal(decodeValue(nsg, { kind: "void" }, 42), undefined);
  });

  it("fails with a plain Error (not an argument error) for a message the descriptor lacks", () => {
    assert.throws(
      () => encodeValue(nsg, { kind: "message", name: "Missing" }, {}, "x"),
      (error: unknown) => !(error instanceof QmiError) && error instanceof Error && /Descriptor of .*NoisySineGenerator lacks message Missing; run `qmi gen`/.test(error.message),
    );
  });

  it("names the element of a list that fails, on every kind of element; copies a list of doubles once, and hands a decoded one on", () => {
    const int32s: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "int32" } };
    const int64s: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "int64" } };
    const samples: TypeDescriptor = { kind: "list", of: { kind: "message", name: "Sample" } };
    const doubles: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "double" } };
    assert.throws(() => encodeValue(nsg, int32s, [1, 2.5], "xs"), invalid(/^Invalid argument xs\[1\]: expected an integer/));
    assert.throws(() => decodeValue(nsg, int64s, ["1", "x"], "ys"), invalid(/^Invalid argument ys\[1\]: expected an integer \(int64\)/));
    assert.throws(() => encodeValue(nsg, samples, [{ t: 1, value: 2 }, { t: 1 }], "s"), invalid("Invalid argument s[1].value: a value is required"));
    assert.throws(() => decodeValue(nsg, doubles, [1, "2"], "d"), invalid(/^Invalid argument d\[1\]: expected a number/));
    assert.deepEqual(encodeValue(nsg, int32s, [1, -2], "xs"), [1, -2]);
    const values = [0.5, -0, Number.NaN, Infinity];
    const encoded = encodeValue(nsg, doubles, values, "d");
    assert.deepEqual(encoded, values);
    assert.notEqual(encoded, values, "a copy: the caller may change its array before the request is serialized");
    assert.equal(decodeValue(nsg, doubles, values, "d"), values, "the array read from the wire is handed on");
  });

  it("refuses a finite float32 beyond its range instead of letting it become Infinity, and passes NaN and ±Infinity", () => {
    const float: TypeDescriptor = { kind: "scalar", proto: "float" };
    assert.throws(() => encodeValue(nsg, float, 1e40, "gain"), invalid(/^Invalid argument gain: expected a float32/));
    assert.throws(() => encodeValue(nsg, float, -3.5e38, "gain"), invalid(/^Invalid argument gain: expected a float32/));
    assert.equal(encodeValue(nsg, float, 3.4028234663852886e38, "gain"), 3.4028234663852886e38);
    assert.equal(encodeValue(nsg, float, Infinity, "gain"), Infinity);
    assert.ok(Number.isNaN(encodeValue(nsg, float, Number.NaN, "gain")));
  });

  it("refuses a Map, a Set, a Date or binary data where a record or a message is expected, instead of sending it empty", () => {
    const sample: TypeDescriptor = { kind: "message", name: "Sample" };
    const record: TypeDescriptor = { kind: "map", of: { kind: "scalar", proto: "double" } };
    for (const value of [new Map([["a", 1]]), new Set([1]), new Date(0), new Float64Array(2), new Uint8Array(2), new ArrayBuffer(2)]) {
      assert.throws(() => encodeValue(nsg, record, value, "gains"), invalid(/^Invalid argument gains: expected a record of string keys/), value.constructor.name);
      assert.throws(() => encodeValue(nsg, sample, value, "payload"), invalid(/^Invalid argument payload: expected an object \(Sample\)/), value.constructor.name);
    }
    assert.deepEqual(encodeValue(nsg, record, { a: 1 }, "gains"), { a: 1 });
    assert.deepEqual(encodeValue(nsg, record, Object.assign(Object.create(null) as object, { b: 2 }), "gains"), { b: 2 });
  });
});

describe("decoding is strict", () => {
  const decodeEcho = (name: string, wire: WireMessage) => decodeRequest(echo, methodOf(echo, name), wire);

  it("reads absent scalars, lists and maps as their proto3 defaults", () => {
    assert.deepEqual(decodeEcho("echoDouble", {}), [0]);
    assert.deepEqual(decodeEcho("echoInt64", {}), [0]);
    assert.deepEqual(decodeEcho("echoBigint", {}), [0n]);
    assert.deepEqual(decodeEcho("echoString", {}), [""]);
    assert.deepEqual(decodeEcho("echoBoolean", { value: null }), [false]);
    assert.deepEqual(decodeEcho("echoBytes", {}), [new Uint8Array(0)]);
    assert.deepEqual(decodeEcho("echoList", {}), [[]]);
    assert.deepEqual(decodeEcho("echoRecord", {}), [{}]);
  });

  const refused: { method: string; wire: WireMessage; message: string | RegExp }[] = [
    { method: "echoWaveform", wire: {}, message: 'Invalid argument waveform: expected one of "sine", "square", "triangle", got undefined' },
    { method: "echoWaveform", wire: { waveform: "WAVEFORM_UNSPECIFIED" }, message: 'Invalid argument waveform: expected one of "sine", "square", "triangle", got WAVEFORM_UNSPECIFIED (0, no value)' },
    { method: "echoWaveform", wire: { waveform: 99 }, message: /got 99, a number Waveform does not define$/ },
    { method: "echoWaveform", wire: { waveform: "sine" }, message: /got the string "sine"$/ },
    { method: "echoTriggerMode", wire: { mode: "WAVEFORM_SINE" }, message: /^Invalid argument mode: expected one of "internal", "external"/ },
    { method: "echoInt64", wire: { value: String(2n ** 60n) }, message: /^Invalid argument value: expected a safe integer \(int64, a number in TypeScript: beyond 2\^53 it needs bigint\), got 1152921504606846976$/ },
    { method: "echoInt64", wire: { value: "1.5" }, message: 'Invalid argument value: expected an integer (int64), got the string "1.5"' },
    { method: "echoBigint", wire: { value: "12abc" }, message: /expected an integer \(int64\), got the string "12abc"/ },
    { method: "echoBigint", wire: { value: true }, message: "Invalid argument value: expected an integer (int64), got true" },
    { method: "echoInt32", wire: { value: "5" }, message: 'Invalid argument value: expected an integer (int32), got the string "5"' },
    { method: "echoInt32", wire: { value: 0.5 }, message: "Invalid argument value: expected an integer (int32), got 0.5" },
    { method: "echoDouble", wire: { value: "1" }, message: /expected a number, got the string "1"/ },
    { method: "echoBoolean", wire: { value: 0 }, message: "Invalid argument value: expected a boolean, got 0" },
    { method: "echoString", wire: { value: 5 }, message: "Invalid argument value: expected a string, got 5" },
    { method: "echoBytes", wire: { value: "AQI=" }, message: /expected bytes, got the string "AQI="/ },
    { method: "echoDate", wire: {}, message: "Invalid argument value: a value is required" },
    { method: "echoDate", wire: { value: { seconds: "1000000000000000", nanos: 0 } }, message: /^Invalid argument value: expected a Timestamp a Date can hold .*got seconds 1000000000000000, nanos 0$/ },
    { method: "echoDate", wire: { value: { seconds: "5", nanos: -1 } }, message: /got seconds 5, nanos -1$/ },
    { method: "echoDate", wire: { value: { seconds: "5", nanos: 1_000_000_000 } }, message: /nanos 1000000000$/ },
    { method: "echoDate", wire: { value: { seconds: "1.5", nanos: 0 } }, message: /got seconds 1.5/ },
    { method: "echoList", wire: { values: 1 }, message: "Invalid argument values: expected a list, got 1" },
    { method: "echoList", wire: { values: [1, "x"] }, message: /^Invalid argument values\[1\]: expected a number/ },
    { method: "echoRecord", wire: { values: [1] }, message: "Invalid argument values: expected a map, got an array" },
    { method: "echoRecord", wire: { values: JSON.parse('{"a": 1, "__proto__": 2}') as unknown }, message: /^Invalid argument values: the key "__proto__" cannot be carried in a map/ },
    { method: "echoSetting", wire: {}, message: "Invalid argument setting: a value is required" },
    { method: "echoSetting", wire: { setting: "x" }, message: 'Invalid argument setting: expected a message (ChannelSetting), got the string "x"' },
    { method: "echoSetting", wire: { setting: { channel: 1, waveform: "WAVEFORM_SINE" } }, message: "Invalid argument setting.madeAt: a value is required" },
    { method: "echoSetting", wire: { setting: { channel: 1, waveform: 7, made_at: { seconds: "0" } } }, message: /^Invalid argument setting\.waveform: .*got 7, a number Waveform does not define$/ },
    { method: "echoSetting", wire: { setting: { channel: 1, waveform: "WAVEFORM_SINE", made_at: { seconds: "0" }, labels: { k: 1 } } }, message: "Invalid argument setting.labels.k: expected a string, got 1" },
  ];

  for (const c of refused) {
    it(`refuses ${c.method} from ${show(c.wire)}`, () => {
      assert.throws(() => decodeEcho(c.method, c.wire), invalid(c.message));
    });
  }

  it("names the value \"value\" by default in decodeValue", () => {
    assert.throws(() => decodeValue(echo, { kind: "scalar", proto: "double" }, "x"), invalid('Invalid argument value: expected a number, got the string "x"'));
  });

  it("reports an answer that does not decode as the answering side's QmiError, with the reason as its cause", () => {
    const method = methodOf(echo, "echoWaveform");
    assert.throws(() => decodeResponse(echo, method, { value: "WAVEFORM_CIRCLE" }), (error: unknown) => {
      assert.ok(error instanceof QmiError);
      assert.ok(!(error instanceof InvalidArgumentError), "the caller's arguments were fine");
      assert.equal(
        error.message,
        'The answer of echoWaveform() does not decode: Invalid argument result of echoWaveform(): expected one of "sine", "square", "triangle", got the string "WAVEFORM_CIRCLE"',
      );
      assert.ok(error.cause instanceof InvalidArgumentError);
      return true;
    });
  });
});
