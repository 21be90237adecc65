/**
 * The framing of gRPC messages on the call channel (`runtime/protocol/grpc-message-reader.ts`): messages cut from
 * chunks of any size, views where a message lies in one chunk, the limit checked from the prefix. End to end,
 * concurrent answers that arrive in the same reads come back intact.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Context } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { GrpcMessageReader, type GrpcMessage } from "../../runtime/protocol/grpc-message-reader.ts";

const framed = (body: Buffer, compressed = false) => {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
};
const filled = (length: number, seed: number) => Buffer.from(new Uint8Array(length).map((_, i) => (i * 7 + seed) % 251));

/** What a reader hands on when `stream` arrives in chunks of `chunkBytes`, each message's bytes copied at once. */
function read(stream: Buffer, chunkBytes: number, maxMessageBytes = 8 * 1024 * 1024) {
  const messages: (Omit<GrpcMessage, "body"> & { body: Buffer; view: Buffer })[] = [];
  const tooLarge: number[] = [];
  const reader = new GrpcMessageReader(maxMessageBytes, {
    message: (message) => messages.push({ ...message, view: message.body, body: Buffer.from(message.body) }),
    tooLarge: (length) => tooLarge.push(length),
  });
  for (let at = 0; at < stream.length; at += chunkBytes) reader.push(stream.subarray(at, at + chunkBytes));
  return { messages, tooLarge, reader };
}

describe("GrpcMessageReader", () => {
  const bodies = [Buffer.alloc(0), filled(1, 1), filled(5, 2), filled(100_000, 3), filled(1_048_576, 4), Buffer.alloc(0)];
  const stream = Buffer.concat(bodies.map((body, i) => framed(body, i === 2)));

  it("cuts the same messages from chunks of any size, in order, with their compression flag", () => {
    for (const chunkBytes of [1, 3, 5, 6, 4096, 65_536, stream.length]) {
      const { messages, tooLarge } = read(stream, chunkBytes);
      assert.deepEqual(tooLarge, []);
      assert.equal(messages.length, bodies.length, `chunks of ${chunkBytes}`);
      messages.forEach((message, i) => {
        assert.ok(message.body.equals(bodies[i]!), `message ${i} in chunks of ${chunkBytes}`);
        assert.equal(message.compressed, i === 2);
      });
    }
  });

  it("hands a message within one chunk on as a view of it, and joins one spread over several", () => {
    const whole = read(stream, stream.length).messages;
    assert.ok(whole.every((message) => message.view.buffer === stream.buffer), "all views of the one chunk");
    const { messages } = read(stream, 65_536);
    assert.ok(messages.filter((message) => message.body.length > 65_536).every((message) => message.view.buffer !== stream.buffer), "joined");
  });

  it("hands on an empty message whose prefix ends a chunk at once", () => {
    const delivered: number[] = [];
    const reader = new GrpcMessageReader(100, { message: (message) => delivered.push(message.body.length), tooLarge: () => assert.fail("not too large") });
    reader.push(framed(Buffer.alloc(0)));
    assert.deepEqual(delivered, [0]);
    reader.push(framed(filled(3, 0)).subarray(0, 4));
    assert.deepEqual(delivered, [0], "a prefix cut short waits");
  });

  it("stops at a prefix announcing more than the limit, keeping nothing of it, and after stop()", () => {
    const { messages, tooLarge } = read(Buffer.concat([framed(filled(10, 0)), framed(filled(101, 0)), framed(filled(10, 0))]), 4, 100);
    assert.equal(messages.length, 1, "the message before it only");
    assert.deepEqual(tooLarge, [101]);
    const delivered: number[] = [];
    const reader = new GrpcMessageReader(100, { message: (message) => delivered.push(message.body.length), tooLarge: () => undefined });
    reader.push(framed(filled(20, 0)).subarray(0, 10));
    reader.stop();
    reader.push(framed(filled(20, 0)).subarray(10));
    reader.push(framed(filled(3, 0)));
    assert.deepEqual(delivered, []);
  });
});

describe("messages read from chunks, end to end", () => {
  let server: Context;
  let client: Context;
  let echo: EchoInstrumentProxy;
  before(async () => {
    server = await Context.start("reader_server", { config: null });
    client = await Context.start("reader_client", { config: null });
    await (await server.makeInstrument("echo", EchoInstrument)).open();
    await client.connectToPeer("reader_server", { address: server.address, callPath: "channel" });
    echo = await client.getInstrument("reader_server.echo", EchoInstrumentProxy);
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("come back intact when 64 concurrent echoes of 40 to 200 kB share the connection, three times", async () => {
    for (let round = 0; round < 3; round++) {
      const sent = Array.from({ length: 64 }, (_, i) => new Uint8Array(filled(40_000 + i * 2500, round * 64 + i)));
      const back = await Promise.all(sent.map((bytes) => echo.echoBytes(bytes)));
      back.forEach((bytes, i) => assert.deepEqual(bytes, sent[i], `echo ${i} of round ${round}`));
    }
  });
});
