/**
 * The framing of gRPC messages on the call channel (`runtime/protocol/grpc-message-reader.ts`): messages cut from
 * chunks of any size, views where a message lies in one chunk, the limit checked from the prefix, the memory of a
 * joined message reused only once its handler released it. End to end, concurrent answers that arrive in the same
 * reads, and whole answers read between the parts of a large one, come back intact.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEchoPair, type EchoPair } from "../helpers/echo-pair.ts";
import { GrpcMessageReader, SPARE_MAX_BYTES, SPARE_MIN_BYTES, type GrpcMessage } from "../../runtime/protocol/grpc-message-reader.ts";

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

describe("GrpcMessageReader's reused buffer", () => {
  /** Each message of `bodies` framed and pushed in 16 KiB chunks to `reader`. */
  const pushAll = (reader: GrpcMessageReader, bodies: readonly Buffer[]) => {
    const stream = Buffer.concat(bodies.map((body) => framed(body)));
    for (let at = 0; at < stream.length; at += 16_384) reader.push(stream.subarray(at, at + 16_384));
  };
  /** A reader that releases the messages `release` picks, keeping each body (as handed on) and a copy of it then. */
  const keeping = (release: (index: number) => boolean) => {
    const kept: { body: Buffer; copy: Buffer }[] = [];
    const reader = new GrpcMessageReader(8 * 1024 * 1024, {
      message: (message) => {
        kept.push({ body: message.body, copy: Buffer.from(message.body) });
        if (release(kept.length - 1)) message.release();
      },
      tooLarge: () => assert.fail("not too large"),
    });
    return { reader, kept };
  };

  it("joins the next message into the memory of one released, and not of one kept", () => {
    const bodies = [filled(300_000, 1), filled(260_000, 2), filled(280_000, 3), filled(250_000, 4)];
    const { reader, kept } = keeping((i) => i !== 1); // the second is kept, as a whole answer is
    pushAll(reader, bodies);
    kept.forEach(({ copy }, i) => assert.ok(copy.equals(bodies[i]!), `message ${i} as handed on`));
    assert.equal(kept[1]!.body.buffer, kept[0]!.body.buffer, "the second reuses the first's memory, released");
    assert.notEqual(kept[2]!.body.buffer, kept[1]!.body.buffer, "the third does not take the kept second's");
    assert.ok(kept[1]!.body.equals(bodies[1]!), "the kept second still holds its bytes after two more messages");
    assert.equal(kept[3]!.body.buffer, kept[2]!.body.buffer);
  });

  it("reuses no memory for joined messages under 64 KiB or over 1 MiB, released or not", () => {
    const bodies = [filled(SPARE_MIN_BYTES - 1, 5), filled(SPARE_MIN_BYTES - 2, 6), filled(SPARE_MAX_BYTES + 1, 7), filled(SPARE_MAX_BYTES + 2, 8)];
    const { reader, kept } = keeping(() => true);
    pushAll(reader, bodies);
    const buffers = new Set(kept.map(({ body }) => body.buffer));
    assert.equal(buffers.size, 4, "four buffers of their own");
    kept.forEach(({ body }, i) => assert.ok(body.equals(bodies[i]!), `message ${i} keeps its bytes`));
  });

  it("gives a message joined within the handler of another its own memory", () => {
    const inner = keeping(() => true);
    const outerBodies = [filled(200_000, 9), filled(200_000, 10)];
    const innerBody = filled(150_000, 11);
    let outerSeen = 0;
    const outer = new GrpcMessageReader(8 * 1024 * 1024, {
      message: (message) => {
        const before = Buffer.from(message.body);
        if (outerSeen++ === 0) pushAll(inner.reader, [innerBody]); // while this one holds the reused buffer
        assert.ok(message.body.equals(before), "the outer message is untouched by the inner one");
        message.release();
      },
      tooLarge: () => assert.fail("not too large"),
    });
    pushAll(outer, outerBodies);
    assert.equal(outerSeen, 2);
    assert.ok(inner.kept[0]!.copy.equals(innerBody));
  });
});

describe("messages read from chunks, end to end", () => {
  let pair: EchoPair;
  before(async () => {
    pair = await startEchoPair("reader");
  });
  after(() => pair.stop());

  it("come back intact when 64 concurrent echoes of 40 to 200 kB share the connection, three times", async () => {
    for (let round = 0; round < 3; round++) {
      const sent = Array.from({ length: 64 }, (_, i) => new Uint8Array(filled(40_000 + i * 2500, round * 64 + i)));
      const back = await Promise.all(sent.map((bytes) => pair.echo.echoBytes(bytes)));
      back.forEach((bytes, i) => assert.deepEqual(bytes, sent[i], `echo ${i} of round ${round}`));
    }
  });

  it("come back intact when whole answers of 70 to 900 kB arrive between the parts of an 8 MB one, three times", async () => {
    for (let round = 0; round < 3; round++) {
      const trace = new Float64Array(1_000_000).map((_, i) => Math.sin(i + round));
      const sent = Array.from({ length: 24 }, (_, i) => new Uint8Array(filled(70_000 + i * 36_000, round * 24 + i)));
      const [traceBack, ...back] = await Promise.all([pair.echo.echoFloat64Array(trace), ...sent.map((bytes) => pair.echo.echoBytes(bytes))]);
      assert.deepEqual(traceBack, trace, `the trace of round ${round}`);
      back.forEach((bytes, i) => assert.deepEqual(bytes, sent[i], `echo ${i} of round ${round}`));
    }
  });
});
