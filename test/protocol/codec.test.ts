/**
 * Unit tests of the codec (runtime/protocol/codec.ts): `encodeRequest` / `decodeRequest` / `encodeResponse` /
 * `decodeResponse`, the `encodeValue` / `decodeValue` they are built on and the events of signals, with the
 * committed generated descriptors of the echo instrument and the noisy sine generator. Every kind round-trips, and
 * the bytes are checked against protobufjs as `@grpc/proto-loader` reads and writes the generated `.proto` (what a
 * client in another language sees): int64 as number and as bigint, enums, optional parameters and results, nested
 * messages, lists, typed arrays, records, bytes, dates. Bad values are refused with an `InvalidArgumentError`
 * naming the value, bytes that are not the message with a `WireFormatError`, and an answer that does not decode
 * is a `QmiError`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MethodDefinition } from "@grpc/proto-loader";
import { InvalidArgumentError, QmiError, type MethodDescriptor, type ServiceDescriptor, type TypeDescriptor } from "qmi-ts";
import { EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import {
  checkRequest,
  decodeEvent,
  decodeRequest,
  decodeResponse,
  decodeValue,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  encodeValue,
  eventEnvelope,
  type WireMessage,
} from "../../runtime/protocol/codec.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { WireFormatError } from "../../runtime/protocol/strict-wire.ts";

const echo = EchoInstrumentService;
const nsg = NoisySineGeneratorService;

/** The RPCs as proto-loader reads the `.proto` (plain objects, int64 as strings, enums as names). */
type Rpcs = Record<string, MethodDefinition<WireMessage, WireMessage>>;
const echoRpcs = loadService(echo.protoFile, echo.protoService) as unknown as Rpcs;
const nsgRpcs = loadService(nsg.protoFile, nsg.protoService) as unknown as Rpcs;

function methodOf(service: ServiceDescriptor, name: string): MethodDescriptor {
  const method = service.methods.find((m) => m.name === name);
  assert.ok(method, `${service.className} has no method ${name}`);
  return method;
}

/** Arguments of `name` encoded to protobuf bytes and decoded back. */
function requestRoundTrip(service: ServiceDescriptor, name: string, args: readonly unknown[]): unknown[] {
  const method = methodOf(service, name);
  return decodeRequest(service, method, encodeRequest(service, method, args));
}

/** A result of `name` encoded to protobuf bytes and decoded back. */
function responseRoundTrip(service: ServiceDescriptor, name: string, result: unknown): unknown {
  const method = methodOf(service, name);
  return decodeResponse(service, method, encodeResponse(service, method, result));
}

/** The request of `name` as proto-loader reads our bytes (after its strict wire check). */
function asProtoLoaderReads(service: ServiceDescriptor, rpcs: Rpcs, name: string, args: readonly unknown[]): WireMessage {
  const method = methodOf(service, name);
  return rpcs[method.rpcName]!.requestDeserialize(encodeRequest(service, method, args));
}

/** The request of `name` written by proto-loader from `wire`, decoded by the codec. */
function fromProtoLoader(service: ServiceDescriptor, rpcs: Rpcs, name: string, wire: WireMessage): unknown[] {
  const method = methodOf(service, name);
  return decodeRequest(service, method, rpcs[method.rpcName]!.requestSerialize(wire));
}

/** A proto-loader object without the virtual fields (`_name`) it adds for proto3 optional fields, at any depth. */
function withoutVirtualOneofs(wire: WireMessage): WireMessage {
  const out: WireMessage = {};
  for (const [key, value] of Object.entries(wire)) {
    if (key.startsWith("_")) continue;
    out[key] = value !== null && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value) ? withoutVirtualOneofs(value as WireMessage) : value;
  }
  return out;
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

/** `assert.throws` matcher: a `WireFormatError` matching `message`. */
function malformed(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof WireFormatError, `expected a WireFormatError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  };
}

/** Bytes from hex, spaces allowed. */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

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

/** One value per echo method, its expected value after the round trip when that differs, and its proto-loader form. */
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

    it(`${c.method}(${show(c.value)}) as a request and as a response, readable by proto-loader`, () => {
      const method = methodOf(echo, c.method);
      const param = method.params[0]!;
      assert.deepEqual(requestRoundTrip(echo, c.method, [c.value]), [expected]);
      assert.deepEqual(responseRoundTrip(echo, c.method, c.value), expected);
      // proto-loader adds a virtual `_offset` naming each present optional field (proto3 optional is a oneof).
      const read = withoutVirtualOneofs(asProtoLoaderReads(echo, echoRpcs, c.method, [c.value]));
      if ("wire" in c) {
        assert.deepEqual(read[param.protoName], c.wire, "what proto-loader reads");
        assert.deepEqual(fromProtoLoader(echo, echoRpcs, c.method, { [param.protoName]: c.wire }), [c.value], "what proto-loader writes");
      }
    });
  }

  it("keeps 64-bit integers as numbers or bigints as the TypeScript type says", () => {
    const [asNumber] = requestRoundTrip(echo, "echoInt64", [-42]);
    const [asBigint] = requestRoundTrip(echo, "echoBigint", [-42n]);
    assert.equal(asNumber, -42);
    assert.equal(asBigint, -42n);
    assert.deepEqual(requestRoundTrip(echo, "echoBigint", [2n ** 63n - 1n]), [2n ** 63n - 1n]);
    assert.deepEqual(requestRoundTrip(echo, "echoUint64", [2 ** 53 - 1]), [2 ** 53 - 1]);
  });

  it("leaves an absent optional field out of the message and out of the decoded object", () => {
    const { offset: _offset, ...withoutOffset } = setting;
    const [back] = requestRoundTrip(echo, "echoSetting", [withoutOffset]);
    assert.deepEqual(back, withoutOffset);
    assert.equal(Object.hasOwn(back as object, "offset"), false);
    const bytes = encodeEcho("echoSetting", [withoutOffset]);
    assert.equal(encodeEcho("echoSetting", [{ ...setting, offset: 0 }]).length, bytes.length + 9, "an optional 0 is written (tag and 8 bytes)");
    assert.deepEqual(requestRoundTrip(echo, "echoSetting", [{ ...setting, offset: 0 }]), [{ ...setting, offset: 0 }], "an optional 0 is kept");
  });

  it("decodes bytes into a Uint8Array of its own (not the wire's Buffer)", () => {
    const method = methodOf(echo, "echoBytes");
    const source = hex("0a 03 010203");
    const [decoded] = decodeRequest(echo, method, source);
    assert.ok(decoded instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype);
    source[2] = 99;
    assert.deepEqual(decoded, new Uint8Array([1, 2, 3]), "a copy: the wire buffer may be reused");
  });

  it("truncates a Timestamp's nanoseconds to the millisecond a Date holds", () => {
    assert.deepEqual(fromProtoLoader(echo, echoRpcs, "echoDate", { value: { seconds: "1", nanos: 1_999_999 } }), [new Date(1001)]);
    assert.deepEqual(fromProtoLoader(echo, echoRpcs, "echoDate", { value: { seconds: 2 } }), [new Date(2000)], "absent nanos are 0");
  });

  it("writes what protobufjs writes for a nested message, byte for byte", () => {
    const method = methodOf(echo, "echoSetting");
    const ours = encodeRequest(echo, method, [setting]);
    const theirs = echoRpcs[method.rpcName]!.requestSerialize(asProtoLoaderReads(echo, echoRpcs, "echoSetting", [setting]));
    assert.deepEqual(decodeRequest(echo, method, theirs), [setting]);
    assert.equal(ours.length, theirs.length);
  });
});

describe("typed arrays", () => {
  const kinds: { method: string; value: ArrayBufferView & { length: number }; wire: unknown[]; bytes: string }[] = [
    { method: "echoFloat64Array", value: new Float64Array([1, -0, NaN, Infinity, -Infinity, 5e-324]), wire: [1, -0, NaN, Infinity, -Infinity, 5e-324], bytes: "0a 30 000000000000f03f 0000000000000080 000000000000f87f 000000000000f07f 000000000000f0ff 0100000000000000" },
    { method: "echoFloat32Array", value: new Float32Array([0.5, -0, NaN, -Infinity, 3.4028234663852886e38]), wire: [0.5, -0, NaN, -Infinity, 3.4028234663852886e38], bytes: "0a 14 0000003f 00000080 0000c07f 000080ff ffff7f7f" },
    { method: "echoInt32Array", value: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]), wire: [0, -1, 2 ** 31 - 1, -(2 ** 31)], bytes: "0a 1a 00 ffffffffffffffffff01 ffffffff07 80808080f8ffffffff01" },
    { method: "echoUint32Array", value: new Uint32Array([0, 127, 128, 2 ** 32 - 1]), wire: [0, 127, 128, 2 ** 32 - 1], bytes: "0a 09 00 7f 8001 ffffffff0f" },
    { method: "echoInt16Array", value: new Int16Array([-32768, 32767, -1]), wire: [-32768, 32767, -1], bytes: "0a 17 8080feffffffffffff01 ffff01 ffffffffffffffffff01" },
    { method: "echoUint16Array", value: new Uint16Array([65535, 1]), wire: [65535, 1], bytes: "0a 04 ffff03 01" },
    { method: "echoInt8Array", value: new Int8Array([-128, 127, 0]), wire: [-128, 127, 0], bytes: "0a 0c 80ffffffffffffffff01 7f 00" },
    { method: "echoBigInt64Array", value: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n]), wire: ["-9223372036854775808", "9223372036854775807", "-1"], bytes: "0a 1d 80808080808080808001 ffffffffffffffff7f ffffffffffffffffff01" },
    { method: "echoBigUint64Array", value: new BigUint64Array([2n ** 64n - 1n, 0n]), wire: ["18446744073709551615", "0"], bytes: "0a 0b ffffffffffffffffff01 00" },
  ];

  for (const k of kinds) {
    it(`${k.method}: the packed field of its element type, byte for byte, and back as a ${k.value.constructor.name}`, () => {
      const method = methodOf(echo, k.method);
      const bytes = encodeRequest(echo, method, [k.value]);
      assert.equal(bytes.toString("hex"), hex(k.bytes).toString("hex"), "the golden bytes");
      const [back] = decodeRequest(echo, method, bytes);
      assert.equal((back as object).constructor, k.value.constructor);
      assert.deepEqual(back, k.value);
      assert.deepEqual(decodeResponse(echo, method, encodeResponse(echo, method, k.value)), k.value);
      assert.deepEqual(asProtoLoaderReads(echo, echoRpcs, k.method, [k.value]).values, k.wire, "a plain repeated field to protobufjs");
      assert.deepEqual(fromProtoLoader(echo, echoRpcs, k.method, { values: k.wire }), [k.value], "what protobufjs writes reads back");
      const empty = decodeRequest(echo, method, encodeRequest(echo, method, [new (k.value.constructor as new (n: number) => unknown)(0)]));
      assert.equal((empty[0] as object).constructor, k.value.constructor, "an empty array keeps its kind");
      assert.equal((empty[0] as { length: number }).length, 0);
      assert.deepEqual(decodeRequest(echo, method, Buffer.alloc(0)), empty, "an absent field is an empty array");
    });
  }

  it("keeps -0 and NaN bit for bit in a Float64Array, and copies it out of the wire's buffer", () => {
    const method = methodOf(echo, "echoFloat64Array");
    const bytes = encodeRequest(echo, method, [new Float64Array([-0, NaN])]);
    const [back] = decodeRequest(echo, method, bytes) as [Float64Array];
    assert.ok(Object.is(back[0], -0));
    assert.ok(Number.isNaN(back[1]));
    bytes.fill(0);
    assert.ok(Number.isNaN(back[1]), "its own memory");
    assert.equal(back.byteOffset, 0);
  });

  it("reads number[] and Float64Array from each other's messages (the same repeated double)", () => {
    const list = methodOf(echo, "echoList");
    const typed = methodOf(echo, "echoFloat64Array");
    const values = [1.5, -2, 1e-300];
    assert.deepEqual(decodeRequest(echo, typed, encodeRequest(echo, list, [values])), [new Float64Array(values)]);
    assert.deepEqual(decodeRequest(echo, list, encodeRequest(echo, typed, [new Float64Array(values)])), [values]);
  });

  it("reads unpacked elements and several packed parts of one field, as proto3 requires", () => {
    const typed = methodOf(echo, "echoFloat64Array");
    assert.deepEqual(decodeRequest(echo, typed, hex("09 000000000000f03f 0a 08 0000000000000040 09 0000000000000840")), [new Float64Array([1, 2, 3])]);
    assert.deepEqual(decodeRequest(echo, methodOf(echo, "echoInt16Array"), hex("08 01 0a 02 02 03 08 04")), [new Int16Array([1, 2, 3, 4])]);
  });

  it("refuses an element beyond a narrow kind's range instead of wrapping it", () => {
    assert.throws(() => fromProtoLoader(echo, echoRpcs, "echoInt8Array", { values: [1, 300] }), invalid("Invalid argument values[1]: expected an integer in [-128, 127] (Int8Array), got 300"));
    assert.throws(() => fromProtoLoader(echo, echoRpcs, "echoUint16Array", { values: [65536] }), invalid(/^Invalid argument values\[0\]: expected an integer in \[0, 65535\] \(Uint16Array\), got 65536$/));
    assert.throws(() => fromProtoLoader(echo, echoRpcs, "echoInt16Array", { values: [-32769] }), invalid(/\(Int16Array\), got -32769$/));
  });

  it("refuses a packed payload of doubles that is not a whole number of them", () => {
    assert.throws(() => decodeRequest(echo, methodOf(echo, "echoFloat64Array"), hex("0a 0c 000000000000f03f 00000000")), malformed(/not a multiple of 8/));
    assert.throws(() => decodeRequest(echo, methodOf(echo, "echoList"), hex("0a 20 000000000000f03f")), malformed(/cut short: 32 bytes announced, 8 left/));
  });

  it("refuses another kind, or a plain array, where a typed array is declared", () => {
    assert.throws(() => encodeEcho("echoFloat64Array", [[1, 2]]), invalid("Invalid argument values: expected a Float64Array, got an array"));
    assert.throws(() => encodeEcho("echoFloat64Array", [new Float32Array(1)]), invalid("Invalid argument values: expected a Float64Array, got a Float32Array"));
    assert.throws(() => encodeEcho("echoInt16Array", [new Uint16Array(1)]), invalid("Invalid argument values: expected a Int16Array, got a Uint16Array"));
    assert.throws(() => encodeEcho("echoList", [new Float64Array(1)]), invalid("Invalid argument values: expected an array, got a Float64Array"));
    assert.throws(() => checkRequest(echo, methodOf(echo, "echoBigInt64Array"), [new BigUint64Array(1)]), invalid(/expected a BigInt64Array, got a BigUint64Array/));
  });

  it("carries typed arrays as fields of messages and as signal payloads", () => {
    const trace = { interval: 1e-9, samples: new Float64Array([0.25, -1]), counts: new Int16Array([3, -4]) };
    assert.deepEqual(requestRoundTrip(echo, "echoTrace", [trace]), [trace]);
    const signal = echo.signals.find((s) => s.name === "traceTaken")!;
    const event = decodeEvent(echo, signal, eventEnvelope(encodeEvent(echo, signal, trace), { publisherContext: "ctx", publisherName: "echo", signalName: "traceTaken", sequence: 7 }));
    assert.deepEqual(event, { payload: trace, publisherContext: "ctx", publisherName: "echo", signalName: "traceTaken", sequence: 7 });
    assert.deepEqual(decodeEvent(echo, signal, encodeEvent(echo, signal, trace)).payload, trace, "a batched event has the value only");
  });

  it("moves a million doubles as one packed field", () => {
    const method = methodOf(echo, "echoFloat64Array");
    const values = new Float64Array(1_000_000).map((_, i) => Math.sin(i));
    const bytes = encodeRequest(echo, method, [values]);
    assert.equal(bytes.length, 8_000_000 + 5, "tag, a 4-byte length and the doubles");
    assert.deepEqual(decodeRequest(echo, method, bytes), [values]);
  });
});

describe("optional parameters and results", () => {
  const sum = methodOf(echo, "sum");

  it("leaves absent optional parameters out of the request, and decodes them as undefined", () => {
    assert.equal(encodeRequest(echo, sum, [1]).toString("hex"), "09000000000000f03f");
    assert.equal(encodeRequest(echo, sum, [1, undefined, 3]).toString("hex"), "09000000000000f03f1803");
    assert.equal(encodeRequest(echo, sum, [1, 2, undefined]).toString("hex"), "09000000000000f03f110000000000000040");
    assert.deepEqual(requestRoundTrip(echo, "sum", [1]), [1]);
    assert.deepEqual(requestRoundTrip(echo, "sum", [1, undefined, 3]), [1, undefined, 3], "a gap stays a gap");
    assert.deepEqual(requestRoundTrip(echo, "sum", [1, 2, undefined]), [1, 2], "trailing absent arguments are dropped");
    assert.deepEqual(requestRoundTrip(echo, "sum", [1, 0, 0]), [1, 0, 0], "a present 0 is not absent");
  });

  it("checks the number of arguments against the required and optional parameters", () => {
    assert.throws(() => encodeRequest(echo, sum, []), invalid("sum() takes 1 to 3 arguments, got 0: sum(a: number, b?: number, c?: int32): Promise<number>"));
    assert.throws(() => encodeRequest(echo, sum, [1, 2, 3, 4]), invalid(/^sum\(\) takes 1 to 3 arguments, got 4/));
    assert.throws(() => checkRequest(echo, sum, [1, 2, 3, 4]), invalid(/^sum\(\) takes 1 to 3 arguments, got 4/), "checked alike in-process");
    assert.throws(() => encodeEcho("echoDouble", []), invalid("echoDouble() takes 1 argument, got 0: echoDouble(value: number): Promise<number>"));
    const getFrequency = methodOf(nsg, "getFrequency");
    assert.equal(encodeRequest(nsg, getFrequency, []).length, 0);
    assert.throws(() => encodeRequest(nsg, getFrequency, [1]), invalid("getFrequency() takes 0 arguments, got 1: getFrequency(): Promise<number>"));
    assert.throws(() => encodeRequest(echo, sum, [undefined]), invalid("Invalid argument a: a value is required"));
    assert.throws(() => encodeRequest(echo, sum, [1, null]), invalid("Invalid argument b: expected a number, got null"), "null is not absent");
  });

  it("carries an optional result's presence: undefined is absent, \"\" is present", () => {
    const nonEmpty = methodOf(echo, "nonEmpty");
    assert.equal(encodeResponse(echo, nonEmpty, undefined).length, 0);
    assert.equal(encodeResponse(echo, nonEmpty, "").toString("hex"), "0a00");
    assert.equal(decodeResponse(echo, nonEmpty, Buffer.alloc(0)), undefined);
    assert.equal(responseRoundTrip(echo, "nonEmpty", undefined), undefined);
    assert.equal(responseRoundTrip(echo, "nonEmpty", ""), "");
    assert.equal(responseRoundTrip(echo, "nonEmpty", "x"), "x");
  });

  it("encodes a void result as an empty response and decodes any response of a void method as undefined", () => {
    const setAmplitude = methodOf(nsg, "setAmplitude");
    assert.equal(encodeResponse(nsg, setAmplitude, undefined).length, 0);
    assert.equal(encodeResponse(nsg, setAmplitude, 42).length, 0, "a void method's stray return value is not sent");
    assert.equal(decodeResponse(nsg, setAmplitude, hex("0a 01 41")), undefined);
    assert.deepEqual(requestRoundTrip(nsg, "setAmplitude", [2.5]), [2.5]);
    assert.deepEqual(fromProtoLoader(nsg, nsgRpcs, "setAmplitude", { amplitude: 2.5 }), [2.5]);
    assert.equal(responseRoundTrip(nsg, "getAmplitude", 2.5), 2.5);
  });

  it("refuses an absent required result of a non-optional kind that has no default", () => {
    assert.throws(() => encodeResponse(echo, methodOf(echo, "echoDouble"), undefined), invalid("Invalid argument result of echoDouble(): expected a number, got undefined"));
    assert.throws(() => decodeResponse(echo, methodOf(echo, "echoDate"), Buffer.alloc(0)), (error: unknown) => {
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
    assert.deepEqual(requestRoundTrip(echo, "echoBytes", [Buffer.from("hi")]), [new Uint8Array([104, 105])]);
  });

  it("encodes and decodes a message of a signal payload with encodeValue / decodeValue", () => {
    const sample: TypeDescriptor = { kind: "message", name: "Sample" };
    assert.deepEqual(decodeValue(nsg, sample, encodeValue(nsg, sample, { t: 1.5, value: -2 }, "payload")), { t: 1.5, value: -2 });
    assert.throws(() => encodeValue(nsg, sample, { t: 1.5 }, "payload"), invalid("Invalid argument payload.value: a value is required"));
    assert.equal(encodeValue(nsg, { kind: "void" }, 42, "x").length, 0);
    assert.equal(decodeValue(nsg, { kind: "void" }, hex("08 01")), undefined);
  });

  it("fails with a plain Error (not an argument error) for a message the descriptor lacks", () => {
    assert.throws(
      () => encodeValue(nsg, { kind: "message", name: "Missing" }, {}, "x"),
      (error: unknown) => !(error instanceof QmiError) && error instanceof Error && /Descriptor of .*NoisySineGenerator lacks message Missing; run `qmi gen`/.test(error.message),
    );
  });

  it("names the element of a list that fails, on every kind of element", () => {
    const int32s: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "int32" } };
    const samples: TypeDescriptor = { kind: "list", of: { kind: "message", name: "Sample" } };
    const waveforms: TypeDescriptor = { kind: "list", of: { kind: "enum", name: "Waveform" } };
    const floats: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "float" } };
    assert.throws(() => encodeValue(nsg, int32s, [1, 2.5], "xs"), invalid(/^Invalid argument xs\[1\]: expected an integer/));
    assert.throws(() => encodeValue(nsg, samples, [{ t: 1, value: 2 }, { t: 1 }], "s"), invalid("Invalid argument s[1].value: a value is required"));
    assert.throws(() => encodeValue(echo, waveforms, ["sine", "saw"], "w"), invalid(/^Invalid argument w\[1\]: expected one of/));
    assert.throws(() => encodeValue(nsg, floats, [1, 1e39], "f"), invalid(/^Invalid argument f\[1\]: expected a float32/));
    assert.deepEqual(decodeValue(nsg, int32s, encodeValue(nsg, int32s, [1, -2, 2 ** 31 - 1], "xs")), [1, -2, 2 ** 31 - 1]);
    assert.deepEqual(decodeValue(echo, waveforms, encodeValue(echo, waveforms, ["square", "sine"], "w")), ["square", "sine"]);
    const values = [0.5, -0, Number.NaN, Infinity];
    const doubles: TypeDescriptor = { kind: "list", of: { kind: "scalar", proto: "double" } };
    const bytes = encodeValue(nsg, doubles, values, "d");
    values[0] = 7;
    assert.deepEqual(decodeValue(nsg, doubles, bytes), [0.5, -0, Number.NaN, Infinity], "written when encoded: a later change of the array does not travel");
  });

  it("refuses a finite float32 beyond its range instead of letting it become Infinity, and passes NaN and ±Infinity", () => {
    const float: TypeDescriptor = { kind: "scalar", proto: "float" };
    assert.throws(() => encodeValue(nsg, float, 1e40, "gain"), invalid(/^Invalid argument gain: expected a float32/));
    assert.throws(() => encodeValue(nsg, float, -3.5e38, "gain"), invalid(/^Invalid argument gain: expected a float32/));
    assert.equal(decodeValue(nsg, float, encodeValue(nsg, float, 3.4028234663852886e38, "gain")), 3.4028234663852886e38);
    assert.equal(decodeValue(nsg, float, encodeValue(nsg, float, Infinity, "gain")), Infinity);
    assert.ok(Number.isNaN(decodeValue(nsg, float, encodeValue(nsg, float, Number.NaN, "gain"))));
  });

  it("refuses a Map, a Set, a Date or binary data where a record or a message is expected, instead of sending it empty", () => {
    const sample: TypeDescriptor = { kind: "message", name: "Sample" };
    const record: TypeDescriptor = { kind: "map", of: { kind: "scalar", proto: "double" } };
    for (const value of [new Map([["a", 1]]), new Set([1]), new Date(0), new Float64Array(2), new Uint8Array(2), new ArrayBuffer(2)]) {
      assert.throws(() => encodeValue(nsg, record, value, "gains"), invalid(/^Invalid argument gains: expected a record of string keys/), value.constructor.name);
      assert.throws(() => encodeValue(nsg, sample, value, "payload"), invalid(/^Invalid argument payload: expected an object \(Sample\)/), value.constructor.name);
    }
    assert.deepEqual(decodeValue(nsg, record, encodeValue(nsg, record, { a: 1 }, "gains")), { a: 1 });
    assert.deepEqual(decodeValue(nsg, record, encodeValue(nsg, record, Object.assign(Object.create(null) as object, { b: 2 }), "gains")), { b: 2 });
  });
});

describe("decoding is strict", () => {
  const decodeEcho = (name: string, bytes: Buffer) => decodeRequest(echo, methodOf(echo, name), bytes);
  /** proto-loader writes `wire` as the request of `name` (so it is valid protobuf, whatever it holds). */
  const written = (name: string, wire: WireMessage) => echoRpcs[methodOf(echo, name).rpcName]!.requestSerialize(wire);

  it("reads absent scalars, lists and maps as their proto3 defaults", () => {
    const none = Buffer.alloc(0);
    assert.deepEqual(decodeEcho("echoDouble", none), [0]);
    assert.deepEqual(decodeEcho("echoInt64", none), [0]);
    assert.deepEqual(decodeEcho("echoBigint", none), [0n]);
    assert.deepEqual(decodeEcho("echoString", none), [""]);
    assert.deepEqual(decodeEcho("echoBoolean", none), [false]);
    assert.deepEqual(decodeEcho("echoBytes", none), [new Uint8Array(0)]);
    assert.deepEqual(decodeEcho("echoList", none), [[]]);
    assert.deepEqual(decodeEcho("echoRecord", none), [{}]);
  });

  const settingWire = { channel: 1, waveform: "WAVEFORM_SINE", made_at: { seconds: "0" } };
  const refused: { method: string; what: string; bytes: () => Buffer; message: string | RegExp }[] = [
    { method: "echoWaveform", what: "an absent enum", bytes: () => Buffer.alloc(0), message: 'Invalid argument waveform: expected one of "sine", "square", "triangle", got WAVEFORM_UNSPECIFIED (0, no value)' },
    { method: "echoWaveform", what: "enum 0", bytes: () => hex("08 00"), message: /got WAVEFORM_UNSPECIFIED \(0, no value\)$/ },
    { method: "echoWaveform", what: "enum 99", bytes: () => hex("08 63"), message: /got 99, a number Waveform does not define$/ },
    { method: "echoTriggerMode", what: "enum -1", bytes: () => hex("08 ffffffffffffffffff01"), message: /^Invalid argument mode: expected one of "internal", "external", got -1, a number TriggerMode does not define$/ },
    { method: "echoInt64", what: "int64 2^60 as number", bytes: () => written("echoInt64", { value: String(2n ** 60n) }), message: /^Invalid argument value: expected a safe integer \(int64, a number in TypeScript: beyond 2\^53 it needs bigint\), got 1152921504606846976$/ },
    { method: "echoUint64", what: "uint64 2^63 as number", bytes: () => written("echoUint64", { value: String(2n ** 63n) }), message: /expected a safe integer \(uint64.*got 9223372036854775808$/ },
    { method: "echoDate", what: "an absent timestamp", bytes: () => Buffer.alloc(0), message: "Invalid argument value: a value is required" },
    { method: "echoDate", what: "a Timestamp of 1e15 s", bytes: () => written("echoDate", { value: { seconds: "1000000000000000", nanos: 0 } }), message: /^Invalid argument value: expected a Timestamp a Date can hold .*got seconds 1000000000000000, nanos 0$/ },
    { method: "echoDate", what: "negative nanos", bytes: () => written("echoDate", { value: { seconds: "5", nanos: -1 } }), message: /got seconds 5, nanos -1$/ },
    { method: "echoDate", what: "nanos of a whole second", bytes: () => written("echoDate", { value: { seconds: "5", nanos: 1_000_000_000 } }), message: /nanos 1000000000$/ },
    { method: "echoSetting", what: "an absent message", bytes: () => Buffer.alloc(0), message: "Invalid argument setting: a value is required" },
    { method: "echoSetting", what: "an absent nested timestamp", bytes: () => written("echoSetting", { setting: { channel: 1, waveform: "WAVEFORM_SINE" } }), message: "Invalid argument setting.madeAt: a value is required" },
    { method: "echoSetting", what: "a nested enum 7", bytes: () => written("echoSetting", { setting: { ...settingWire, waveform: 7 } }), message: /^Invalid argument setting\.waveform: .*got 7, a number Waveform does not define$/ },
    { method: "echoRecord", what: "a map key __proto__", bytes: () => hex(`0a 14 0a 09 ${Buffer.from("__proto__").toString("hex")} 11 000000000000f03f`), message: /^Invalid argument values: the key "__proto__" cannot be carried in a map/ },
  ];

  for (const c of refused) {
    it(`refuses ${c.method} from ${c.what}`, () => {
      assert.throws(() => decodeEcho(c.method, c.bytes()), invalid(c.message));
    });
  }

  const malformedCases: { method: string; what: string; bytes: string; message: RegExp }[] = [
    { method: "echoDouble", what: "a double written as a varint", bytes: "08 01", message: /wire type 0/ },
    { method: "echoString", what: "invalid UTF-8", bytes: "0a 02 c3 28", message: /not valid UTF-8/ },
    { method: "echoString", what: "a string cut short", bytes: "0a 10 41", message: /cut short: 16 bytes announced, 1 left/ },
    { method: "echoInt64", what: "an over-long varint", bytes: "08 ff ff ff ff ff ff ff ff ff ff 01", message: /varint longer than 10 bytes/ },
    { method: "echoInt64", what: "a varint cut short", bytes: "08 ff", message: /ends inside a varint/ },
    { method: "echoDouble", what: "a double cut short", bytes: "09 0000", message: /ends inside a 64-bit value/ },
    { method: "echoDouble", what: "wire type 7", bytes: "0f", message: /wire type 7/ },
    { method: "echoDouble", what: "a group without its end", bytes: "1b 08 01", message: /group \(field 3\) without its end/ },
  ];

  for (const c of malformedCases) {
    it(`refuses ${c.method} from ${c.what} with a WireFormatError`, () => {
      assert.throws(() => decodeEcho(c.method, hex(c.bytes)), malformed(c.message));
    });
  }

  it("skips unknown fields of valid wire format, groups included", () => {
    assert.deepEqual(decodeEcho("echoDouble", hex("09 000000000000f83f 7a 03 616263 a0 06 07 1b 08 01 1c")), [1.5]);
  });

  it("names the value \"value\" by default in decodeValue", () => {
    assert.throws(() => decodeValue(echo, { kind: "enum", name: "Waveform" }, hex("08 05")), invalid(/^Invalid argument value: expected one of/));
  });

  it("reports an answer that does not decode as the answering side's QmiError, with the reason as its cause", () => {
    const method = methodOf(echo, "echoWaveform");
    assert.throws(() => decodeResponse(echo, method, hex("08 09")), (error: unknown) => {
      assert.ok(error instanceof QmiError);
      assert.ok(!(error instanceof InvalidArgumentError), "the caller's arguments were fine");
      assert.equal(
        error.message,
        'The answer of echoWaveform() does not decode: Invalid argument result of echoWaveform(): expected one of "sine", "square", "triangle", got 9, a number Waveform does not define',
      );
      assert.ok(error.cause instanceof InvalidArgumentError);
      return true;
    });
    assert.throws(() => decodeResponse(echo, methodOf(echo, "echoString"), hex("0a 05 41")), (error: unknown) => error instanceof QmiError && error.cause instanceof WireFormatError);
  });
});
