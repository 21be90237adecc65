/**
 * Strict decoding of requests, end to end: malformed requests sent as raw bytes, over the unary RPCs and over the
 * `qmi.core.Channel` stream, must end with INVALID_ARGUMENT naming the field, before any driver code runs and
 * without changing anything (the amplitude stays, the lock stays free, the context keeps running).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, status as Status } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { Context, InvalidArgumentError, QmiError } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrumentProxy, EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { decodeCalls, encodeCalls } from "../../runtime/protocol/channel-codec.ts";
import { decodeResponse, decodeValue, encodeValue } from "../../runtime/protocol/codec.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";
import { rawChannel, type RawChannel } from "../helpers/raw-channel.ts";
import { rawUnary } from "../helpers/raw-grpc.ts";
import { WireFormatError } from "../../runtime/protocol/strict-wire.ts";
import { LOCK_PROTO, LOCK_SERVICE } from "../../runtime/protocol/core-services.ts";
import { within } from "../helpers/within.ts";

type Rpcs = Record<string, MethodDefinition<object, object>>;

const echoRpcs = loadService(EchoInstrumentService.protoFile, EchoInstrumentService.protoService) as unknown as Rpcs;
const nsgRpcs = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService) as unknown as Rpcs;
const lockRpcs = loadService(LOCK_PROTO, LOCK_SERVICE) as unknown as Rpcs;

/** How one raw call ended, whichever path it took. */
interface Outcome {
  readonly code: Status;
  readonly errorClass: string | undefined;
  readonly details: string;
  readonly response?: Buffer;
}

/** Bytes from hex, spaces allowed. */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

/** The request of `rpc` serialized from a proto-loader object (enums may be given as numbers). */
const request = (rpcs: Rpcs, rpc: string, message: object) => rpcs[rpc]!.requestSerialize(message);

/** A varint, for hand-written requests. */
function varint(value: bigint): string {
  let v = BigInt.asUintN(64, value);
  let out = "";
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out += (byte | (v > 0n ? 0x80 : 0)).toString(16).padStart(2, "0");
  } while (v > 0n);
  return out;
}

/** `bytes` with the map key `__proto_X` renamed `__proto__` (no encoder writes that key). */
function protoKey(bytes: Buffer): Buffer {
  const at = bytes.indexOf("__proto_X");
  assert.ok(at >= 0);
  bytes.write("__proto__", at);
  return bytes;
}

/** A valid ChannelSetting as proto-loader writes it. */
const setting = {
  channel: 2,
  waveform: "WAVEFORM_SINE",
  harmonics: [1, 0.5],
  labels: { owner: "lab 3" },
  made_at: { seconds: "1767000000", nanos: 5_000_000 },
};

/** Malformed requests to EchoInstrument: what the field names and the message say. */
const echoCases: { what: string; rpc: string; bytes: () => Buffer; field: RegExp }[] = [
  { what: "enum 99", rpc: "EchoWaveform", bytes: () => hex("08 63"), field: /Invalid argument waveform: expected one of "sine", "square", "triangle", got 99/ },
  { what: "enum 0 (UNSPECIFIED)", rpc: "EchoWaveform", bytes: () => hex("08 00"), field: /Invalid argument waveform: .*got WAVEFORM_UNSPECIFIED/ },
  { what: "an unset enum", rpc: "EchoTriggerMode", bytes: () => Buffer.alloc(0), field: /Invalid argument mode: expected one of "internal", "external", got TRIGGER_MODE_UNSPECIFIED/ },
  { what: "enum -1", rpc: "EchoTriggerMode", bytes: () => hex(`08 ${varint(-1n)}`), field: /Invalid argument mode: .*got -1/ },
  { what: "a nested enum 99", rpc: "EchoSetting", bytes: () => request(echoRpcs, "EchoSetting", { setting: { ...setting, waveform: 99 } }), field: /Invalid argument setting\.waveform: .*got 99/ },
  { what: "a missing message", rpc: "EchoSetting", bytes: () => Buffer.alloc(0), field: /Invalid argument setting: a value is required/ },
  { what: "a missing nested timestamp", rpc: "EchoSetting", bytes: () => request(echoRpcs, "EchoSetting", { setting: { ...setting, made_at: undefined } }), field: /Invalid argument setting\.madeAt: a value is required/ },
  { what: "a missing timestamp", rpc: "EchoDate", bytes: () => Buffer.alloc(0), field: /Invalid argument value: a value is required/ },
  { what: "int64 2^60 as number", rpc: "EchoInt64", bytes: () => request(echoRpcs, "EchoInt64", { value: String(2n ** 60n) }), field: /Invalid argument value: expected a safe integer .*got 1152921504606846976/ },
  { what: "uint64 2^60 as number", rpc: "EchoUint64", bytes: () => request(echoRpcs, "EchoUint64", { value: String(2n ** 60n) }), field: /Invalid argument value: expected a safe integer/ },
  { what: "a Timestamp of 1e15 s", rpc: "EchoDate", bytes: () => request(echoRpcs, "EchoDate", { value: { seconds: "1000000000000000", nanos: 0 } }), field: /Invalid argument value: expected a Timestamp a Date can hold/ },
  { what: "negative nanos", rpc: "EchoDate", bytes: () => request(echoRpcs, "EchoDate", { value: { seconds: "5", nanos: -1 } }), field: /Invalid argument value: expected a Timestamp/ },
  { what: "int32 beyond 32 bits (2^32 + 5)", rpc: "EchoInt32", bytes: () => hex(`08 ${varint(2n ** 32n + 5n)}`), field: /field value \(1\) holds 4294967301, which does not fit int32/ },
  { what: "uint32 beyond 32 bits", rpc: "EchoUint32", bytes: () => hex(`08 ${varint(2n ** 32n)}`), field: /field value \(1\) holds 4294967296, which does not fit uint32/ },
  { what: "a bool of 2", rpc: "EchoBoolean", bytes: () => hex("08 02"), field: /field value \(1\) holds 2; a bool is 0 or 1/ },
  { what: "invalid UTF-8", rpc: "EchoString", bytes: () => hex("0a 02 c3 28"), field: /field value \(1\) is not valid UTF-8/ },
  { what: "a string cut short", rpc: "EchoString", bytes: () => hex("0a 10 41"), field: /field value \(1\) is cut short: 16 bytes announced, 1 left/ },
  { what: "a double written as a varint", rpc: "EchoDouble", bytes: () => hex("08 01"), field: /field value \(1\) has wire type 0 \(varint\); double is written with wire type 1/ },
  { what: "a map key __proto__", rpc: "EchoRecord", bytes: () => hex(`0a 14 0a 09 ${Buffer.from("__proto__").toString("hex")} 11 000000000000f03f`), field: /field values \(1\)\.key \(1\) is "__proto__"/ },
  { what: "a nested map key __proto__", rpc: "EchoSetting", bytes: () => protoKey(request(echoRpcs, "EchoSetting", { setting: { ...setting, labels: { __proto_X: "x" } } })), field: /field setting \(1\)\.labels \(4\)\.key \(1\) is "__proto__"/ },
  { what: "a nested message cut short", rpc: "EchoSetting", bytes: () => hex("0a 03 08 02 10"), field: /field setting \(1\)\.waveform \(2\) is cut short inside a varint/ },
  { what: "an over-long varint", rpc: "EchoInt64", bytes: () => hex("08 ff ff ff ff ff ff ff ff ff ff 01"), field: /field value \(1\) has a varint longer than 10 bytes/ },
];

/** Requests that must still be accepted, with the value that comes back. */
const acceptedCases: { what: string; rpc: string; bytes: () => Buffer; value: unknown }[] = [
  { what: "int32 -1 as a 10-byte varint", rpc: "EchoInt32", bytes: () => hex(`08 ${varint(-1n)}`), value: -1 },
  { what: "an unknown field of valid wire format", rpc: "EchoDouble", bytes: () => hex("09 000000000000f83f 7a 03 616263 a0 06 07"), value: 1.5 },
  { what: "a repeated double unpacked", rpc: "EchoList", bytes: () => hex("09 000000000000f03f 09 0000000000000040"), value: [1, 2] },
  { what: "a repeated double packed", rpc: "EchoList", bytes: () => hex("0a 10 000000000000f03f 0000000000000040"), value: [1, 2] },
  { what: "UTF-8 beyond ASCII", rpc: "EchoString", bytes: () => request(echoRpcs, "EchoString", { value: "µ-wave ✓ 🌊" }), value: "µ-wave ✓ 🌊" },
  { what: "int64 2^60 as bigint", rpc: "EchoBigint", bytes: () => request(echoRpcs, "EchoBigint", { value: String(2n ** 60n) }), value: String(2n ** 60n) },
];

/** Sends `bytes` as the request of `method` to `object`, by a unary RPC or on the channel. */
type Send = (method: MethodDefinition<object, object>, bytes: Buffer, object?: string) => Promise<Outcome>;

describe("strict decoding of requests (raw gRPC)", () => {
  let server: Context;
  let raw: Client;
  let channel: RawChannel;
  let nextId = 1;

  before(async () => {
    server = await Context.start("decoding_server", { config: { discovery: { enabled: false } } });
    const echo = await server.makeInstrument("echo", EchoInstrument);
    await echo.open();
    const nsg = (await server.makeInstrument("nsg", NoisySineGenerator)) as unknown as NoisySineGeneratorProxy;
    await nsg.open();
    await nsg.setAmplitude(2.5);
    raw = new Client(server.address, credentials.createInsecure());
    channel = rawChannel(server.address);
  });
  after(async () => {
    channel?.close();
    raw?.close();
    await server?.stop();
  });

  const paths: Record<(typeof CALL_PATHS)[number], Send> = {
    unary: async (method, bytes, object) => {
      const outcome = await rawUnary(raw, method.path, bytes, object ? { "qmi-object": object } : {});
      return outcome;
    },
    channel: async (method, bytes, object) => {
      const id = nextId++;
      channel.send({ calls: [{ id, path: method.path, request: bytes, object: object ?? "", timeout_ms: 5000 }] });
      const answer = await within(channel.next(id), 5000, `channel call ${id} to ${method.path}`);
      return { code: answer.code, errorClass: answer.error_class || undefined, details: answer.message, response: answer.response };
    },
  };

  for (const path of CALL_PATHS) {
    describe(`over the ${path} path`, () => {
      const send = (method: MethodDefinition<object, object>, bytes: Buffer, object?: string) => paths[path](method, bytes, object);

      for (const c of echoCases) {
        it(`refuses ${c.what} with INVALID_ARGUMENT naming the field`, async () => {
          const outcome = await send(echoRpcs[c.rpc]!, c.bytes(), "echo");
          assert.equal(outcome.code, Status.INVALID_ARGUMENT, outcome.details);
          assert.equal(outcome.errorClass, "InvalidArgumentError");
          assert.match(outcome.details, /^Cannot decode the request of /);
          assert.match(outcome.details, c.field);
        });
      }

      for (const c of acceptedCases) {
        it(`accepts ${c.what}`, async () => {
          const method = echoRpcs[c.rpc]!;
          const outcome = await send(method, c.bytes(), "echo");
          assert.equal(outcome.code, Status.OK, outcome.details);
          assert.deepEqual((method.responseDeserialize(outcome.response!) as { value: unknown }).value, c.value);
        });
      }

      it("changes nothing when a setter's request does not decode exactly (a double written as a varint)", async () => {
        // protobufjs alone reads the 8 bytes after the tag as the double 10.0, whatever the tag's wire type.
        const outcome = await send(nsgRpcs.SetAmplitude!, hex("08 0000000000002440"), "nsg");
        assert.equal(outcome.code, Status.INVALID_ARGUMENT, outcome.details);
        assert.match(outcome.details, /field amplitude \(1\) has wire type 0/);
        const amplitude = await send(nsgRpcs.GetAmplitude!, Buffer.alloc(0), "nsg");
        assert.equal((nsgRpcs.GetAmplitude!.responseDeserialize(amplitude.response!) as { value: number }).value, 2.5);
      });

      it("changes nothing when a lock request does not decode exactly (qmi.core.Lock)", async () => {
        const outcome = await send(lockRpcs.Lock!, hex("09 000000"), "nsg");
        assert.equal(outcome.code, Status.INVALID_ARGUMENT, outcome.details);
        assert.equal(outcome.errorClass, "InvalidArgumentError");
        assert.match(outcome.details, /field timeout_seconds \(1\) is cut short: 8 bytes expected, 3 left/);
        const locked = await send(lockRpcs.IsLocked!, Buffer.alloc(0), "nsg");
        assert.equal(locked.code, Status.OK, locked.details);
        assert.equal((lockRpcs.IsLocked!.responseDeserialize(locked.response!) as { locked: boolean }).locked, false);
      });
    });
  }

  it("drops a channel batch that is not exactly a ChannelCalls message: none of its calls runs, the stream keeps serving", async () => {
    const setAmplitude = { id: nextId++, path: nsgRpcs.SetAmplitude!.path, request: request(nsgRpcs, "SetAmplitude", { amplitude: 7 }), object: "nsg", timeout_ms: 5000 };
    // A second call whose path announces 16 bytes and has 1: protobufjs would read "/" plus whatever follows.
    const batch = Buffer.concat([encodeCalls([setAmplitude]), hex(`0a 07 08 ${varint(999_999n)} 12 10 2f`)]);
    assert.throws(() => decodeCalls(batch), (e: unknown) => e instanceof WireFormatError && /^field calls \(1\)\.path \(2\) is cut short: 16 bytes announced, 1 left$/.test(e.message));
    channel.send(batch);
    const amplitude = await paths.channel(nsgRpcs.GetAmplitude!, Buffer.alloc(0), "nsg");
    assert.equal(amplitude.code, Status.OK, amplitude.details);
    assert.equal((nsgRpcs.GetAmplitude!.responseDeserialize(amplitude.response!) as { value: number }).value, 2.5);
    assert.ok(!channel.answers().some((a) => a.id === setAmplitude.id || a.id === 999_999), "a call of the dropped batch was answered");
  });

  it("refuses a Shutdown whose reason is cut short (qmi.core.Context), and the context keeps running", async () => {
    const shutdown = loadService("qmi/core/context.proto", "qmi.core.Context").Shutdown!;
    const outcome = await rawUnary(raw, shutdown.path, hex("0a 10 41"));
    assert.equal(outcome.code, Status.INVALID_ARGUMENT, outcome.details);
    assert.equal(outcome.errorClass, "InvalidArgumentError");
    assert.match(outcome.details, /Cannot decode the request of \/qmi\.core\.Context\/Shutdown: field reason \(1\) is cut short/);
    assert.equal(server.shutdownRequested(), false);
    const ping = await rawUnary(raw, "/qmi.core.Context/Ping", Buffer.alloc(0));
    assert.equal(ping.code, Status.OK, ping.details);
  });

  it("refuses a malformed request of the health and reflection services too", async () => {
    const health = await rawUnary(raw, "/grpc.health.v1.Health/Check", hex("0a 05 71"));
    assert.equal(health.code, Status.INVALID_ARGUMENT, health.details);
    assert.match(health.details, /field service \(1\) is cut short/);
  });
});

describe("codec: decodeValue and encodeValue", () => {
  const service = EchoInstrumentProxy.descriptor;
  const record = { kind: "map", of: { kind: "scalar", proto: "double" } } as const;
  const refused = (run: () => unknown, message: RegExp) =>
    assert.throws(run, (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
  /** A message whose field 1 is a map entry `key` -> 1.0. */
  const mapEntry = (key: string) => {
    const keyBytes = Buffer.from(key);
    const entry = Buffer.concat([Buffer.from([0x0a, keyBytes.length]), keyBytes, hex("11 000000000000f03f")]);
    return Buffer.concat([Buffer.from([0x0a, entry.length]), entry]);
  };

  it("refuses a __proto__ key both ways, and never touches a prototype", () => {
    const own = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, number>;
    refused(() => encodeValue(service, record, own, "values"), /^Invalid argument values: the key "__proto__" cannot be carried in a map/);
    refused(() => decodeValue(service, record, mapEntry("__proto__"), "values"), /^Invalid argument values: the key "__proto__"/);
    const decoded = decodeValue(service, record, Buffer.concat([mapEntry("constructor"), mapEntry("toString")]), "values") as Record<string, number>;
    assert.deepEqual(Object.entries(decoded), [["constructor", 1], ["toString", 1]]);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.equal(({} as Record<string, unknown>).constructor, Object);
  });

  it("refuses a string with a lone surrogate when encoding (it has no UTF-8 form)", () => {
    const text = { kind: "scalar", proto: "string" } as const;
    refused(() => encodeValue(service, text, "a\uD800b", "label"), /^Invalid argument label: expected a well-formed string/);
    refused(() => encodeValue(service, record, { "\uDC00": 1 }, "values"), /^Invalid argument values key: expected a well-formed string/);
    assert.equal(decodeValue(service, text, encodeValue(service, text, "wave 🌊", "label")), "wave 🌊");
  });

  it("reads absent scalars as their proto3 defaults and keeps timestamps to what a Date holds", () => {
    const none = Buffer.alloc(0);
    assert.equal(decodeValue(service, { kind: "scalar", proto: "int64" }, none, "n"), 0);
    assert.equal(decodeValue(service, { kind: "scalar", proto: "int64", bigint: true }, none, "n"), 0n);
    assert.equal(decodeValue(service, { kind: "scalar", proto: "string" }, none, "s"), "");
    const date = { kind: "timestamp" } as const;
    const timestamp = (seconds: bigint, nanos: number) => hex(`0a ${(varint(seconds).length / 2 + 1 + (nanos ? 1 + varint(BigInt(nanos)).length / 2 : 0)).toString(16).padStart(2, "0")} 08 ${varint(seconds)} ${nanos ? `10 ${varint(BigInt(nanos))}` : ""}`);
    assert.equal((decodeValue(service, date, timestamp(-1n, 999_000_000), "t") as Date).toISOString(), "1969-12-31T23:59:59.999Z");
    assert.equal((decodeValue(service, date, timestamp(8_640_000_000_000n, 0), "t") as Date).getTime(), 8.64e15);
    refused(() => decodeValue(service, date, timestamp(8_640_000_000_001n, 0), "t"), /^Invalid argument t: expected a Timestamp/);
    refused(() => decodeValue(service, date, timestamp(0n, 1_000_000_000), "t"), /^Invalid argument t: expected a Timestamp/);
  });

  it("blames the answering side for a result that does not decode", () => {
    const method = service.methods.find((m) => m.name === "echoWaveform")!;
    assert.throws(
      () => decodeResponse(service, method, hex("08 00")),
      (e: unknown) => e instanceof QmiError && !(e instanceof InvalidArgumentError) && /^The answer of echoWaveform\(\) does not decode: Invalid argument result of echoWaveform\(\)/.test(e.message),
    );
    assert.equal(decodeResponse(service, method, hex("08 02")), "square");
  });
});
