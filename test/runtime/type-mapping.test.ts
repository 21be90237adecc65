import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, InvalidArgumentError, UnknownNameError } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy, TriggerMode, type ChannelSetting } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { RemoteTarget } from "../../runtime/client/call-targets.ts";
import { PeerConnection } from "../../runtime/client/peer-connection.ts";

/** Round trips of every kind of the type mapping, run once in-process and once through gRPC. */
function roundTrips(getProxy: () => EchoInstrumentProxy) {
  it("carries numbers, number kinds and bigint exactly", async () => {
    const echo = getProxy();
    assert.equal(await echo.echoDouble(Math.PI), Math.PI);
    assert.equal(await echo.echoDouble(-0.5e-300), -0.5e-300);
    assert.equal(await echo.echoFloat(1.5), 1.5);
    assert.equal(await echo.echoInt32(-(2 ** 31)), -(2 ** 31));
    assert.equal(await echo.echoUint32(2 ** 32 - 1), 2 ** 32 - 1);
    assert.equal(await echo.echoInt64(-(2 ** 53 - 1)), -(2 ** 53 - 1));
    assert.equal(await echo.echoUint64(2 ** 53 - 1), 2 ** 53 - 1);
    assert.equal(await echo.echoBigint(-(2n ** 63n)), -(2n ** 63n));
    assert.equal(await echo.echoBigint(2n ** 63n - 1n), 2n ** 63n - 1n);
  });

  it("rejects integers out of range or of the wrong kind", async () => {
    const echo = getProxy();
    await assert.rejects(echo.echoInt32(2 ** 31), (e: unknown) => e instanceof InvalidArgumentError && /value: expected an integer in/.test(e.message));
    await assert.rejects(echo.echoInt32(1.5), InvalidArgumentError);
    await assert.rejects(echo.echoUint32(-1), InvalidArgumentError);
    await assert.rejects(echo.echoInt64(2 ** 60), /safe integer/);
    await assert.rejects(echo.echoBigint(2n ** 63n), InvalidArgumentError);
    await assert.rejects(echo.echoBigint(5 as unknown as bigint), /bigint/);
  });

  it("carries strings, booleans, bytes and dates", async () => {
    const echo = getProxy();
    assert.equal(await echo.echoString("µ-wave ✓"), "µ-wave ✓");
    assert.equal(await echo.echoString(""), "");
    assert.equal(await echo.echoBoolean(true), true);
    assert.equal(await echo.echoBoolean(false), false);
    const bytes = await echo.echoBytes(new Uint8Array([0, 1, 254, 255]));
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes], [0, 1, 254, 255]);
    const when = new Date("2026-11-25T12:34:56.789Z");
    assert.equal((await echo.echoDate(when)).toISOString(), when.toISOString());
    const before1970 = new Date("1960-01-01T00:00:00.001Z");
    assert.equal((await echo.echoDate(before1970)).toISOString(), before1970.toISOString());
    await assert.rejects(echo.echoDate(new Date(Number.NaN)), /valid Date/);
  });

  it("carries lists, records, enums, string-literal unions and nested messages", async () => {
    const echo = getProxy();
    assert.deepEqual(await echo.echoList([1, 2.5, -3]), [1, 2.5, -3]);
    assert.deepEqual(await echo.echoList([]), []);
    assert.deepEqual(await echo.echoRecord({ a: 1, "b c": 2 }), { a: 1, "b c": 2 });
    assert.equal(await echo.echoWaveform("square"), "square");
    assert.equal(await echo.echoTriggerMode(TriggerMode.External), TriggerMode.External);
    await assert.rejects(echo.echoWaveform("sawtooth" as "sine"), /one of "sine", "square", "triangle"/);
    const setting: ChannelSetting = {
      channel: 2,
      waveform: "triangle",
      harmonics: [1, 0.5],
      labels: { owner: "lab 3" },
      madeAt: new Date("2026-01-02T03:04:05.006Z"),
    };
    assert.deepEqual(await echo.echoSetting(setting), setting);
    assert.deepEqual(await echo.echoSetting({ ...setting, offset: 0 }), { ...setting, offset: 0 });
    await assert.rejects(echo.echoSetting({ ...setting, channel: -1 }), /setting\.channel/);
    await assert.rejects(echo.echoSetting({ ...setting, labels: { x: 1 as unknown as string } }), /setting\.labels\.x/);
  });

  it("carries optional parameters and optional results", async () => {
    const echo = getProxy();
    assert.equal(await echo.sum(1), 1);
    assert.equal(await echo.sum(1, 2), 3);
    assert.equal(await echo.sum(1, undefined, 3), 4);
    assert.equal(await echo.sum(1, 2, 3), 6);
    assert.equal(await echo.sum(1, 0, 0), 1);
    assert.equal(await echo.nonEmpty("x"), "x");
    assert.equal(await echo.nonEmpty(""), undefined);
  });

  it("carries every kind of typed array as itself: extremes, NaN, ±Infinity, -0 and empty arrays", async () => {
    const echo = getProxy();
    const cases: [string, ArrayBufferView & { length: number }][] = [
      ["echoFloat64Array", new Float64Array([Math.PI, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE])],
      ["echoFloat32Array", new Float32Array([0.1, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38])],
      ["echoInt32Array", new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1])],
      ["echoUint32Array", new Uint32Array([0, 2 ** 32 - 1])],
      ["echoInt16Array", new Int16Array([-32768, 32767])],
      ["echoUint16Array", new Uint16Array([0, 65535])],
      ["echoInt8Array", new Int8Array([-128, 127])],
      ["echoBigInt64Array", new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
      ["echoBigUint64Array", new BigUint64Array([0n, 2n ** 64n - 1n])],
    ];
    const call = (method: string, value: unknown) => (echo as unknown as Record<string, (v: unknown) => Promise<unknown>>)[method]!(value);
    for (const [method, value] of cases) {
      const back = (await call(method, value)) as typeof value;
      assert.equal(back.constructor, value.constructor, method);
      assert.deepEqual(back, value, method);
      const Kind = value.constructor as new (length: number) => typeof value;
      const empty = (await call(method, new Kind(0))) as typeof value;
      assert.equal(empty.constructor, value.constructor, `${method}: an empty array keeps its kind`);
      assert.equal(empty.length, 0);
    }
    assert.ok(Object.is((await echo.echoFloat64Array(new Float64Array([-0])))[0], -0));
    await assert.rejects(call("echoFloat64Array", [1, 2]), (e: unknown) => e instanceof InvalidArgumentError && /values: expected a Float64Array, got an array/.test(e.message));
    await assert.rejects(call("echoInt16Array", new Int32Array(1)), /expected a Int16Array, got a Int32Array/);
  });

  it("carries typed arrays as fields of a message, and 400,000 doubles (3.2 MB) in one call", async () => {
    const echo = getProxy();
    const trace = { interval: 1e-6, samples: new Float64Array([0.5, -0.25, 1e-300]), counts: new Int16Array([-7, 8, 9]) };
    assert.deepEqual(await echo.echoTrace(trace), trace);
    const many = new Float64Array(400_000).map((_, i) => Math.sin(i));
    const back = await echo.echoFloat64Array(many);
    assert.equal(back.length, many.length);
    assert.deepEqual(back, many);
  });
}

describe("type mapping end to end (EchoInstrument)", () => {
  let server: Context;
  let client: Context;
  let local: EchoInstrumentProxy;
  let remote: EchoInstrumentProxy;

  before(async () => {
    server = await Context.start("echo_server", { config: null });
    client = await Context.start("echo_client", { config: null });
    local = (await server.makeInstrument("echo", EchoInstrument)) as unknown as EchoInstrumentProxy;
    await local.open();
    await server.makeInstrument("nsg", NoisySineGenerator);
    await client.connectToPeer("echo_server", { address: server.address });
    remote = await client.getInstrument("echo_server.echo", EchoInstrumentProxy);
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  describe("in-process", () => roundTrips(() => local));
  describe("remote", () => roundTrips(() => remote));

  it("refuses a call addressed to an object of another service", async () => {
    const peer = new PeerConnection("echo_server", server.address, "echo_client");
    try {
      const wrongObject = new RemoteTarget(peer, "nsg", EchoInstrumentProxy.descriptor);
      await assert.rejects(
        wrongObject.call("isOpen", [], {}, "token"),
        (e: unknown) => e instanceof UnknownNameError && /nsg is a NoisySineGenerator, which does not implement/.test(e.message),
      );
    } finally {
      peer.close();
    }
  });
});
