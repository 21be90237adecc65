/**
 * Large requests and answers on the call channel, in parts (`runtime/protocol/channel-parts.ts`): with the default
 * configuration (4 MiB messages), arrays of 8 to 80 MB travel between contexts, a large transfer does not hold
 * up calls to other objects on the same connection, and what a raw client sends in parts is bounded and checked:
 * a whole larger than the server assembles is refused at its first part, parts that do not add up end their call
 * alone, a cancelled assembly gives its memory back, and the stream keeps serving throughout.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { status as Status, Metadata } from "@grpc/grpc-js";
import { Context } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrumentProxy, EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { decodeResponse, encodeRequest, encodeResponse } from "../../runtime/protocol/codec.ts";
import { assemblyBudget, ByteBudget, CHANNEL_MAX_CALL_BYTES, MAX_CALL_HEADER, PartAssembler, splitParts } from "../../runtime/protocol/channel-parts.ts";
import { bulkPayloadStart } from "../../runtime/protocol/wire-reader.ts";
import { rawChannel, type RawAnswer } from "../helpers/raw-channel.ts";
import { startChild } from "../helpers/child-context.ts";
import { withinSeconds } from "../helpers/within.ts";
import { until } from "../helpers/process-usage.ts";

const echoPath = (rpc: string) => `/${EchoInstrumentService.protoService}/${rpc}`;
const echoMethod = (name: string) => EchoInstrumentService.methods.find((m) => m.name === name)!;
const sines = (count: number) => new Float64Array(count).map((_, i) => Math.sin(i));

describe("a message assembled from parts", () => {
  /** `message` cut in parts of 64 KiB and put together again, as a receiving side does. */
  const assemble = (message: Buffer): Buffer => {
    const assembler = new PartAssembler<string>(CHANNEL_MAX_CALL_BYTES, new ByteBudget());
    const parts = splitParts(message, 65_536);
    assert.equal(assembler.start(7, "first", message.length, parts[0]!), undefined);
    for (let i = 1; i < parts.length - 1; i++) assert.equal(assembler.add(7, parts[i]!, true), undefined);
    const outcome = assembler.add(7, parts.at(-1)!, false);
    assert.ok(outcome && "done" in outcome, "the whole message");
    assert.deepEqual(outcome.done, message, "the same bytes");
    return outcome.done;
  };
  const response = (name: string, value: unknown) => encodeResponse(EchoInstrumentService, echoMethod(name), value);

  it("finds where the bulk field's payload starts from the first bytes only", () => {
    const doubles = response("echoFloat64Array", sines(100_000)); // field 1, then 800,000 as a 3-byte varint
    assert.equal(bulkPayloadStart(doubles.subarray(0, 65_536), doubles.length), 4);
    const trace = response("echoTrace", { interval: 0.5, samples: sines(50_000), counts: new Int16Array(3) });
    // value (1) { interval (fixed64, 9 bytes), samples (2) { 400,000 bytes }, counts (3) { 3 bytes } }: nested.
    assert.equal(bulkPayloadStart(trace.subarray(0, 1000), trace.length), 4 + 9 + 4);
    assert.equal(bulkPayloadStart(Buffer.alloc(0), 1000), 0, "no bytes");
    assert.equal(bulkPayloadStart(Buffer.from([0x0a, 0xff]), 1000), 0, "cut inside a varint");
    assert.equal(bulkPayloadStart(Buffer.from([0x0a, 0x05, 1, 2, 3, 4, 5]), 7), 2, "a small message's one field");
    assert.equal(bulkPayloadStart(Buffer.from([0x0f, 0x0a, 0x05]), 1000), 0, "wire type 7: not protobuf");
    // Only the first 4 KiB are looked at: 3,000 one-byte fields (6,000 bytes) and then the bulk field.
    const late = Buffer.concat([Buffer.alloc(6000).fill(Buffer.from([0x08, 0x01])), Buffer.from([0x12, 0x80, 0x80, 0x04])]);
    assert.equal(bulkPayloadStart(late, 6004 + 65_536), 0, "a bulk field after 4 KiB of others is not searched for");
    assert.equal(bulkPayloadStart(late.subarray(5000), 1004 + 65_536), 1004, "the same field found within the first 4 KiB");
    for (let seed = 0; seed < 200; seed++) {
      const noise = Buffer.from(new Float64Array(64).map((_, i) => Math.sin(seed * 64 + i) * 1e300).buffer);
      const start = bulkPayloadStart(noise, 1_000_000);
      assert.ok(Number.isInteger(start) && start >= 0 && start < 1_000_000, `noise ${seed}: ${start}`);
    }
  });

  it("is laid out so that a large typed array reads as a view of it, and anything else as before", () => {
    const values = sines(100_000);
    values[5] = -0;
    values[6] = NaN;
    const message = response("echoFloat64Array", values);
    const whole = assemble(message);
    assert.equal((whole.byteOffset + 4) % 8, 0, "the payload is 8-byte aligned");
    const read = decodeResponse(EchoInstrumentService, echoMethod("echoFloat64Array"), whole) as Float64Array;
    assert.deepEqual(read, values);
    assert.ok(Object.is(read[5], -0) && Number.isNaN(read[6]));
    assert.equal(read.buffer, whole.buffer, "a view of the assembled message, not a copy");
    const copy = decodeResponse(EchoInstrumentService, echoMethod("echoFloat64Array"), message) as Float64Array;
    assert.deepEqual(copy, values);
    assert.notEqual(copy.buffer, message.buffer, "a message not assembled here is copied from, never viewed");

    const floats = new Float32Array(values);
    const float32Read = decodeResponse(EchoInstrumentService, echoMethod("echoFloat32Array"), assemble(response("echoFloat32Array", floats)));
    assert.deepEqual(float32Read, floats);
    const list = decodeResponse(EchoInstrumentService, echoMethod("echoList"), assemble(response("echoList", Array.from(values))));
    assert.ok(Array.isArray(list) && list.length === 100_000 && Object.is(list[5], -0), "a number[] is still an array");
    const bytes = new Uint8Array(300_000).map((_, i) => i % 253);
    const bytesWhole = assemble(response("echoBytes", bytes));
    const bytesRead = decodeResponse(EchoInstrumentService, echoMethod("echoBytes"), bytesWhole) as Uint8Array;
    assert.deepEqual(bytesRead, bytes);
    assert.equal(bytesRead.buffer, bytesWhole.buffer, "bytes are viewed too");

    const trace = { interval: 0.5, samples: values, counts: new Int16Array([1, -2, 3]) };
    const traceWhole = assemble(response("echoTrace", trace));
    const traceRead = decodeResponse(EchoInstrumentService, echoMethod("echoTrace"), traceWhole) as typeof trace;
    assert.deepEqual(traceRead, trace);
    assert.equal(traceRead.samples.buffer, traceWhole.buffer, "the trace inside a message is viewed");
    assert.notEqual(traceRead.counts.buffer, traceWhole.buffer, "its small narrow array is read element by element");
  });
});

describe("large messages in parts on the call channel", () => {
  let server: Context;
  let client: Context;
  let echo: EchoInstrumentProxy;
  let nsg: NoisySineGeneratorProxy;

  before(async () => {
    server = await Context.start("parts_server", { config: null });
    client = await Context.start("parts_client", { config: null });
    await (await server.makeInstrument("echo", EchoInstrument)).open();
    await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
    await client.connectToPeer("parts_server", { address: server.address, callPath: "channel" });
    echo = await client.getInstrument("parts_server.echo", EchoInstrumentProxy, { timeout: 60 });
    nsg = await client.getInstrument("parts_server.nsg", NoisySineGeneratorProxy);
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("carries 8 MB each way with the default 4 MiB message limit, as a Float64Array and as a number[]", async () => {
    const values = sines(1_000_000);
    assert.deepEqual(await echo.echoFloat64Array(values), values);
    const list = Array.from(values.subarray(0, 600_000));
    assert.deepEqual(await echo.echoList(list), list, "4.8 MB as number[]");
    const bytes = new Uint8Array(5_000_001).map((_, i) => i % 251);
    assert.deepEqual(await echo.echoBytes(bytes), bytes, "a length that is no multiple of the part size");
    assert.equal(assemblyBudget.used, 0, "nothing is left assembling");
  });

  it("does not hold up calls to another object on the same connection while 32 MB travel", async () => {
    let bigDone = false;
    const big = echo.echoFloat64Array(sines(4_000_000)).then((back) => {
      bigDone = true;
      return back.length;
    });
    const smallBeforeBig: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      await nsg.getSample();
      smallBeforeBig.push(!bigDone);
    }
    assert.equal(await withinSeconds(big, 60, "the 32 MB echo"), 4_000_000);
    assert.ok(smallBeforeBig.filter(Boolean).length >= 10, `small calls answered while the large one travelled: ${smallBeforeBig.join(",")}`);
  });

  describe("from a raw client", () => {
    const withParts = () => {
      const metadata = new Metadata();
      metadata.set(MAX_CALL_HEADER, String(CHANNEL_MAX_CALL_BYTES));
      return rawChannel(server.address, { metadata });
    };
    const request = encodeRequest(EchoInstrumentService, echoMethod("echoBytes"), [new Uint8Array(300_000).fill(9)]);

    it("announces the largest call it assembles in its response headers", async () => {
      const channel = rawChannel(server.address);
      try {
        const headers = await withinSeconds(channel.headers(), 5, "the channel's headers");
        assert.deepEqual(headers.get(MAX_CALL_HEADER), [String(CHANNEL_MAX_CALL_BYTES)]);
      } finally {
        channel.close();
      }
    });

    it("assembles a request sent in parts, and answers a client that takes parts in parts", async () => {
      const channel = withParts();
      try {
        const path = echoPath("EchoBytes");
        channel.send({ calls: [{ id: 1, path, request: request.subarray(0, 100_000), more: true, total_bytes: request.length, timeout_ms: 30_000 }] });
        channel.send({ calls: [{ id: 1, request: request.subarray(100_000, 200_000), more: true }] });
        channel.send({ calls: [{ id: 1, request: request.subarray(200_000) }] });
        await withinSeconds(channel.next(1), 10, "the answer");
        const parts = channel.answers().filter((a) => a.id === 1);
        const whole = Buffer.concat(parts.map((a) => a.response));
        const value = decodeResponse(EchoInstrumentService, echoMethod("echoBytes"), whole) as Uint8Array;
        assert.equal(value.length, 300_000);
        assert.ok(value.every((b) => b === 9));
        assert.equal(parts.length, 1, "an answer within the client's message limit comes whole");
      } finally {
        channel.close();
      }
    });

    it("refuses at its first part a request larger than it assembles, drops its other parts, and keeps serving", async () => {
      const channel = withParts();
      try {
        channel.send({ calls: [{ id: 7, path: echoPath("EchoBytes"), request: request.subarray(0, 1000), more: true, total_bytes: CHANNEL_MAX_CALL_BYTES + 1 }] });
        const refused = await withinSeconds(channel.next(7), 5, "the refusal");
        assert.equal(refused.code, Status.RESOURCE_EXHAUSTED);
        assert.match(refused.message, /^The request of .*\/EchoBytes is 268435457 bytes, more than this side assembles from parts \(268435456, qmi-max-call-bytes\)$/);
        channel.send({ calls: [{ id: 7, request: request.subarray(1000, 2000), more: true }, { id: 7, request: request.subarray(2000, 3000) }] });
        channel.send({ calls: [{ id: 8, path: echoPath("EchoDouble"), request: Buffer.from("09000000000000f83f", "hex"), timeout_ms: 30_000 }] });
        const fine = await withinSeconds(channel.next(8), 5, "a call after the refusal");
        assert.equal(fine.code, 0);
        assert.equal(channel.answers().filter((a: RawAnswer) => a.id === 7).length, 1, "one answer for the refused call");
        assert.equal(assemblyBudget.used, 0);
      } finally {
        channel.close();
      }
    });

    it("ends a call whose parts go past their total, or stop short of it, with INVALID_ARGUMENT", async () => {
      const channel = withParts();
      try {
        const path = echoPath("EchoBytes");
        channel.send({ calls: [{ id: 1, path, request: request.subarray(0, 1000), more: true, total_bytes: 1500 }] });
        channel.send({ calls: [{ id: 1, request: request.subarray(1000, 2000), more: true }] });
        const over = await withinSeconds(channel.next(1), 5, "the answer to parts past their total");
        assert.equal(over.code, Status.INVALID_ARGUMENT);
        assert.match(over.message, /has parts of more than the 1500 bytes its first part announced/);
        channel.send({ calls: [{ id: 1, request: request.subarray(2000, 3000) }] });
        channel.send({ calls: [{ id: 2, path, request: request.subarray(0, 1000), more: true, total_bytes: 5000 }, { id: 2, request: request.subarray(1000, 2000) }] });
        const short = await withinSeconds(channel.next(2), 5, "the answer to parts short of their total");
        assert.equal(short.code, Status.INVALID_ARGUMENT);
        assert.match(short.message, /ended after 2000 of the 5000 bytes its first part announced/);
        channel.send({ calls: [{ id: 3, path, request: request.subarray(0, 10), more: true, total_bytes: 10 }] });
        assert.equal((await withinSeconds(channel.next(3), 5, "a first part as large as its total")).code, Status.INVALID_ARGUMENT);
        assert.equal(assemblyBudget.used, 0);
      } finally {
        channel.close();
      }
    });

    it("gives back what a cancelled assembly held, and what one held when its stream ended", async () => {
      const channel = withParts();
      channel.send({ calls: [{ id: 1, path: echoPath("EchoBytes"), request: request.subarray(0, 1000), more: true, total_bytes: 10_000_000 }] });
      channel.send({ calls: [{ id: 2, path: echoPath("EchoBytes"), request: request.subarray(0, 1000), more: true, total_bytes: 20_000_000 }] });
      await until(() => assemblyBudget.used === 30_000_000, 5, "both assemblies");
      channel.send({ calls: [{ id: 1, cancel: true }] });
      await until(() => assemblyBudget.used === 20_000_000, 5, "the cancelled one given back");
      channel.close();
      await until(() => assemblyBudget.used === 0, 5, "the other given back when the stream ended");
      assert.equal(channel.answers().length, 0, "a cancelled or cut-off call is not answered");
    });

    it("gives up a request whose parts stop coming at its deadline, and gives back what it held", async () => {
      const channel = withParts();
      try {
        channel.send({ calls: [{ id: 4, path: echoPath("EchoBytes"), request: request.subarray(0, 1000), more: true, total_bytes: 5_000_000, timeout_ms: 300 }] });
        const late = await withinSeconds(channel.next(4), 5, "the answer to a request never completed");
        assert.equal(late.code, Status.DEADLINE_EXCEEDED);
        assert.equal(late.error_class, "DeadlineError");
        assert.match(late.message, /EchoBytes: its request was not whole within 300 ms; it was not started/);
        assert.equal(assemblyBudget.used, 0);
        channel.send({ calls: [{ id: 4, request: request.subarray(1000, 2000) }] });
        channel.send({ calls: [{ id: 5, path: echoPath("EchoDouble"), request: Buffer.from("09000000000000f83f", "hex"), timeout_ms: 30_000 }] });
        assert.equal((await withinSeconds(channel.next(5), 5, "a call after it")).code, 0);
        assert.equal(channel.answers().filter((a) => a.id === 4).length, 1, "its late part is dropped, not answered");
      } finally {
        channel.close();
      }
    });

    it("sends parts of at least 1 KiB to a client that announces a message limit smaller than any envelope", async () => {
      const metadata = new Metadata();
      metadata.set("qmi-max-message-bytes", "100");
      metadata.set(MAX_CALL_HEADER, String(CHANNEL_MAX_CALL_BYTES));
      const channel = rawChannel(server.address, { metadata });
      try {
        const small = encodeRequest(EchoInstrumentService, echoMethod("echoBytes"), [new Uint8Array(3000).fill(5)]);
        channel.send({ calls: [{ id: 1, path: echoPath("EchoBytes"), request: small, timeout_ms: 30_000 }] });
        await until(() => channel.answers().some((a) => a.id === 1 && !(a as RawAnswer & { more?: boolean }).more), 5, "the last part");
        const parts = channel.answers().filter((a) => a.id === 1);
        assert.equal(parts.length, 3, "3,004 bytes in parts of 1,024");
        const value = decodeResponse(EchoInstrumentService, echoMethod("echoBytes"), Buffer.concat(parts.map((a) => a.response))) as Uint8Array;
        assert.equal(value.length, 3000);
        channel.send({ calls: [{ id: 2, path: echoPath("EchoDouble"), request: Buffer.from("09000000000000f83f", "hex"), timeout_ms: 30_000 }] });
        assert.equal((await withinSeconds(channel.next(2), 5, "a call after it")).code, 0, "the stream keeps serving");
      } finally {
        channel.close();
      }
    });

    it("answers too large for a client that takes no parts with RESOURCE_EXHAUSTED, alone", async () => {
      const metadata = new Metadata();
      metadata.set("qmi-max-message-bytes", "100000");
      const channel = rawChannel(server.address, { metadata });
      try {
        const small = encodeRequest(EchoInstrumentService, echoMethod("echoBytes"), [new Uint8Array(60_000)]);
        channel.send({ calls: [{ id: 1, path: echoPath("EchoBytes"), request: small, timeout_ms: 30_000 }] });
        const tooLarge = await withinSeconds(channel.next(1), 5, "the answer");
        assert.equal(tooLarge.code, 0, "60 kB fits in 100 kB");
        const mid = encodeRequest(EchoInstrumentService, echoMethod("echoBytes"), [new Uint8Array(99_800)]);
        channel.send({ calls: [{ id: 2, path: echoPath("EchoBytes"), request: mid, timeout_ms: 30_000 }] });
        const refused = await withinSeconds(channel.next(2), 5, "the answer");
        assert.equal(refused.code, Status.RESOURCE_EXHAUSTED);
        assert.match(refused.message, /more than the caller accepts \(100000; security.max_message_bytes\)/);
      } finally {
        channel.close();
      }
    });
  });
});

describe("10^7 doubles (80 MB each way) between two processes with the default configuration", () => {
  it("arrive whole, with the peak memory of each process a small multiple of the payload", async () => {
    const server = startChild("test/fixtures/bulk-echo-server.ts", ["bulk_server"]);
    try {
      const [, port] = await server.waitForLine(/^LISTENING (\d+)$/, 30);
      server.process.stdin!.write("rss before\n");
      const [, , serverBefore] = await server.waitForLine(/^RSS before (\d+) (\d+)$/, 10);
      const client = startChild("test/fixtures/bulk-echo-client.ts", ["bulk_server", port!, "10000000"]);
      const [, equal, clientPeak, clientBefore] = await client.waitForLine(/^ECHO (\w+) (\d+) (\d+)$/, 120);
      assert.equal(equal, "true", client.output());
      assert.equal(await client.waitForExit(30), 0, client.output());
      server.process.stdin!.write("rss after\n");
      const [, serverPeak] = await server.waitForLine(/^RSS after (\d+) (\d+)$/, 10);
      const payloadMb = 80;
      // The client holds the array it sent and the one it got back (2 × the payload) besides the transfer's; the
      // server the request (its array a view of it) and the answer it writes, and garbage the collector has not
      // reached yet: under load, a payload's worth.
      const clientOver = Number(clientPeak) - Number(clientBefore);
      const serverOver = Number(serverPeak) - Number(serverBefore);
      assert.ok(clientOver <= 3 * payloadMb, `client: peak ${clientPeak} MB, ${clientBefore} MB before the call`);
      assert.ok(serverOver <= 3 * payloadMb, `server: peak ${serverPeak} MB, ${serverBefore} MB before the call`);
      console.log(`# 10^7 doubles: client peak ${clientPeak} MB (${clientBefore} MB before), server peak ${serverPeak} MB (${serverBefore} MB before)`);
    } finally {
      server.process.stdin!.end();
      await server.waitForExit(20).catch(() => server.kill());
    }
  });
});
