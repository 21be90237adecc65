/**
 * Large messages in reused memory (`runtime/protocol/message-buffers.ts`): reused only once given back, only for
 * buffers it handed out and only between 1 MiB and 16 MiB, and let go when unused. End to end, concurrent large
 * requests and answers on one connection come back intact while the memory they are written and assembled in is
 * reused.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import protobuf from "protobufjs";
import { startEchoPair, type EchoPair } from "../helpers/echo-pair.ts";
import { MESSAGE_BUFFER_MAX_BYTES, MESSAGE_BUFFER_MIN_BYTES, finishForSending, giveBackMessageBuffer, takeMessageBuffer } from "../../runtime/protocol/message-buffers.ts";

/** A message of about `length` bytes, one bytes field of `seed`s, written by `finishForSending`. */
function message(length: number, seed: number): Buffer {
  return finishForSending(protobuf.Writer.create().uint32(0x0a).bytes(Buffer.alloc(length - 8, seed)));
}
/** True when `bytes` is a bytes field of `seed`s as {@link message} writes it. */
const holds = (bytes: Buffer, seed: number) => {
  const reader = protobuf.Reader.create(bytes);
  reader.uint32();
  return (reader.bytes() as Uint8Array).every((b) => b === seed);
};

describe("message buffers", () => {
  it("writes the next message into the memory of one given back, and not of one still held", () => {
    const first = message(2 * 1024 * 1024, 1);
    assert.ok(holds(first, 1));
    giveBackMessageBuffer(first);
    const second = message(1.5 * 1024 * 1024, 2);
    assert.equal(second.buffer, first.buffer, "the memory given back is reused");
    assert.ok(holds(second, 2));
    const third = message(1.5 * 1024 * 1024, 3); // the second is still held
    assert.notEqual(third.buffer, second.buffer);
    assert.ok(holds(second, 2), "the held message is untouched");
    giveBackMessageBuffer(second);
    giveBackMessageBuffer(third);
  });

  it("reuses nothing below 1 MiB or above 16 MiB, nor memory it did not hand out, nor one given back twice", () => {
    for (const length of [MESSAGE_BUFFER_MIN_BYTES - 16, MESSAGE_BUFFER_MAX_BYTES + 16]) {
      const one = message(length, 4);
      giveBackMessageBuffer(one);
      assert.notEqual(message(length, 5).buffer, one.buffer, `${length} bytes`);
    }
    const foreign = Buffer.allocUnsafeSlow(3 * 1024 * 1024);
    giveBackMessageBuffer(foreign);
    assert.notEqual(message(3 * 1024 * 1024, 6).buffer, foreign.buffer, "a buffer of its own is never adopted");
    const twice = message(4 * 1024 * 1024, 7);
    giveBackMessageBuffer(twice);
    giveBackMessageBuffer(twice);
    const a = message(4 * 1024 * 1024, 8);
    const b = message(4 * 1024 * 1024, 9);
    assert.notEqual(a.buffer, b.buffer, "memory given back twice is handed out once");
    assert.ok(holds(a, 8) && holds(b, 9));
  });

  it("hands out the same memory for writing and for assembling, and none outside 1 to 16 MiB", () => {
    const written = message(3 * 1024 * 1024, 12);
    giveBackMessageBuffer(written);
    const taken = takeMessageBuffer(2 * 1024 * 1024)!;
    assert.equal(taken.buffer, written.buffer);
    assert.equal(taken.length, 2 * 1024 * 1024);
    assert.notEqual(takeMessageBuffer(2 * 1024 * 1024)!.buffer, taken.buffer, "held memory is not handed out again");
    giveBackMessageBuffer(taken);
    assert.equal(takeMessageBuffer(MESSAGE_BUFFER_MIN_BYTES - 1), undefined);
    assert.equal(takeMessageBuffer(MESSAGE_BUFFER_MAX_BYTES + 1), undefined);
    assert.equal(takeMessageBuffer(Number.NaN), undefined);
  });

  it("lets a buffer go after 10 s unused", () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const one = message(2 * 1024 * 1024, 10);
      giveBackMessageBuffer(one);
      mock.timers.tick(10_001);
      assert.notEqual(message(2 * 1024 * 1024, 11).buffer, one.buffer);
    } finally {
      mock.timers.reset();
    }
  });
});

describe("large requests and answers in reused memory, end to end", () => {
  let pair: EchoPair;
  before(async () => {
    pair = await startEchoPair("send_buffers");
  });
  after(() => pair.stop());

  it("come back intact: 1 to 12 MB echoes in sequence, and six started one turn of the event loop apart, five rounds", async () => {
    const trace = (doubles: number, seed: number) => new Float64Array(doubles).map((_, i) => Math.sin(i * 0.001 + seed));
    for (let round = 0; round < 5; round++) {
      for (const doubles of [150_000, 400_000, 1_500_000]) {
        const sent = trace(doubles, round);
        assert.deepEqual(await pair.echo.echoFloat64Array(sent), sent, `${doubles} doubles alone, round ${round}`);
      }
      // Each started while the parts of those before it are still being written: memory given back too early
      // would hold the next request while the parts of its last one still go out.
      const sent = [1_000_000, 900_000, 800_000, 700_000, 600_000, 500_000].map((doubles, i) => trace(doubles, round * 6 + i));
      const echoes: Promise<Float64Array>[] = [];
      const small: Promise<number>[] = [];
      for (const one of sent) {
        echoes.push(pair.echo.echoFloat64Array(one));
        small.push(pair.echo.echoDouble(echoes.length));
        await new Promise((resolve) => setImmediate(resolve));
      }
      (await Promise.all(echoes)).forEach((one, i) => assert.deepEqual(one, sent[i], `echo ${i} of round ${round}`));
      assert.deepEqual(await Promise.all(small), [1, 2, 3, 4, 5, 6]);
    }
  });
});
