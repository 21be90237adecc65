import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MethodDefinition } from "@grpc/proto-loader";
import { UNCOPIED_PAYLOAD_BYTES, bytesOf, decodeAnswers, decodeCalls, encodeAnswerPieces, encodeAnswers, encodeCallPieces, encodeCalls, writeGrpcMessage } from "../../runtime/protocol/channel-codec.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { CHANNEL_PROTO, CHANNEL_SERVICE } from "../../runtime/protocol/core-services.ts";

type Loose = Record<string, unknown>;

/** The same messages through @grpc/proto-loader, as another implementation of the .proto would read them. */
const exchange = loadService(CHANNEL_PROTO, CHANNEL_SERVICE).Exchange as MethodDefinition<Loose, Loose>;

/** What writeGrpcMessage writes for `pieces`: checks it is one corked write, reported written once, and returns its bytes. */
function written(pieces: readonly Buffer[]): Buffer {
  const chunks: Uint8Array[] = [];
  let corked = 0;
  let callbacks = 0;
  const stream = {
    cork: () => void corked++,
    uncork: () => void corked--,
    write: (chunk: Uint8Array, callback?: () => void) => {
      assert.equal(corked, 1, "written while corked");
      chunks.push(chunk);
      if (callback) callbacks++;
      callback?.();
    },
  };
  writeGrpcMessage(stream, pieces, () => undefined);
  assert.equal(corked, 0);
  assert.equal(callbacks, 1);
  assert.ok(pieces.every((piece) => chunks.includes(piece)), "the pieces themselves, not copies");
  return Buffer.concat(chunks);
}

describe("channel codec", () => {
  it("round-trips calls; absent fields read as the proto3 defaults", () => {
    const full = {
      id: 4_000_000_000,
      path: "/qmi.drivers.dummy.NoisySineGenerator/SetAmplitude",
      request: Buffer.from([8, 1, 16, 2]),
      object: "nsg",
      lock_token: "6d1c4a39-0f5e-4f6b-9d4c-0c3f2f1f8e11",
      lease_id: "lease-1",
      timeout_ms: 2500.5,
      cancellable: true,
      deadline_ms: 1_796_000_000_000.5,
    };
    const batch = decodeCalls(encodeCalls([full, { id: 7, cancel: true }], 1_796_000_000_123));
    assert.equal(batch.clock_ms, 1_796_000_000_123);
    assert.equal(decodeCalls(encodeCalls([full])).clock_ms, 0, "a batch without a clock reads 0");
    const [call, cancel, ...rest] = batch.calls;
    assert.equal(rest.length, 0);
    assert.equal(call!.id, full.id);
    assert.equal(call!.path, full.path);
    assert.ok(Buffer.isBuffer(bytesOf(call!.request)));
    assert.deepEqual([...bytesOf(call!.request)], [...full.request]);
    assert.deepEqual(
      [call!.object, call!.lock_token, call!.lease_id, call!.timeout_ms, call!.cancel, call!.cancellable, call!.deadline_ms],
      [full.object, full.lock_token, full.lease_id, full.timeout_ms, false, true, full.deadline_ms],
    );
    assert.deepEqual(
      [cancel!.id, cancel!.cancel, cancel!.path, cancel!.object, cancel!.timeout_ms, bytesOf(cancel!.request).length],
      [7, true, "", "", 0, 0],
    );
  });

  it("round-trips answers, successes and failures", () => {
    const answers = decodeAnswers(
      encodeAnswers([
        { id: 1, response: Buffer.from([9, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]) },
        { id: 2, response: Buffer.alloc(0) },
        { id: 3, code: 9, message: "Instrument nsg is not open; call open() first", error_class: "NotOpenError" },
      ]),
    );
    assert.deepEqual(
      answers.map((a) => [a.id, [...bytesOf(a.response)], a.code, a.message, a.error_class]),
      [
        [1, [9, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 0, "", ""],
        [2, [], 0, "", ""],
        [3, [], 9, "Instrument nsg is not open; call open() first", "NotOpenError"],
      ],
    );
  });

  it("writes what proto-loader reads, and reads what it writes (the wire is the .proto's)", () => {
    const call = { id: 12, path: "/qmi.core.Lock/Lock", request: Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0]), object: "nsg", lock_token: "t", lease_id: "", timeout_ms: 30000, cancel: false, cancellable: false, deadline_ms: 1_796_000_030_000, more: false, total_bytes: 0 };
    const read = exchange.requestDeserialize(encodeCalls([call], 1_796_000_000_000)) as { calls: Loose[]; clock_ms: number };
    assert.equal(read.calls.length, 1);
    assert.equal(read.clock_ms, 1_796_000_000_000);
    assert.deepEqual({ ...read.calls[0], request: [...(read.calls[0]!.request as Buffer)] }, { ...call, request: [...call.request] });
    const written = exchange.responseSerialize({ answers: [{ id: 5, code: 5, message: "no such object", error_class: "UnknownNameError" }] });
    assert.deepEqual(
      decodeAnswers(written).map((a) => [a.id, a.code, a.message, a.error_class]),
      [[5, 5, "no such object", "UnknownNameError"]],
    );
  });

  it("writes in pieces the message it writes whole, large payloads as they are (not copied)", () => {
    const large = Buffer.alloc(UNCOPIED_PAYLOAD_BYTES, 3);
    const huge = Buffer.alloc(300_000, 7);
    const calls = [
      { id: 1, path: "/a/B", request: Buffer.from([1, 2]), timeout_ms: 5 },
      { id: 2, path: "/a/C", request: large, more: true, total_bytes: 2 * UNCOPIED_PAYLOAD_BYTES },
      { id: 3, cancel: true },
      { id: 4, path: "/a/D", request: huge, object: "o", lock_token: "t", deadline_ms: 1.5e12 },
      { id: 5, path: "/a/E", request: Buffer.alloc(UNCOPIED_PAYLOAD_BYTES - 1, 1) },
    ];
    for (const clock of [0, 1_796_000_000_123.5]) {
      const pieces = encodeCallPieces(calls, clock);
      assert.deepEqual(decodeCalls(Buffer.concat(pieces)), decodeCalls(encodeCalls(calls, clock)));
      assert.ok(pieces.some((piece) => piece.buffer === large.buffer && piece.length === large.length), "the large request is a piece of its own");
      assert.ok(pieces.some((piece) => piece.buffer === huge.buffer), "the huge request is a piece of its own");
      const message = written(pieces);
      assert.equal(message.readUInt32BE(1), Buffer.concat(pieces).length);
      assert.deepEqual(message.subarray(5), Buffer.concat(pieces));
      // Another implementation of the .proto reads it too.
      assert.equal((exchange.requestDeserialize(Buffer.concat(pieces)) as { calls: unknown[] }).calls.length, 5);
    }
    const answers = [
      { id: 1, response: huge, more: true, total_bytes: 600_000 },
      { id: 2, code: 5, message: "no such object", error_class: "UnknownNameError" },
      { id: 3, response: Buffer.from("small") },
      { id: 4, response: large },
    ];
    const pieces = encodeAnswerPieces(answers);
    assert.deepEqual(decodeAnswers(Buffer.concat(pieces)), decodeAnswers(encodeAnswers(answers)));
    assert.ok(pieces.some((piece) => piece.buffer === huge.buffer));
    assert.deepEqual(encodeAnswerPieces([]), []);
    assert.deepEqual(written([]), Buffer.from([0, 0, 0, 0, 0]), "an empty message is its prefix, and is reported written");
  });

  it("throws on bytes that are not a message of the type", () => {
    assert.throws(() => decodeCalls(Buffer.from([0x0a, 0x20, 0x01])), /field calls \(1\) is cut short/); // field 1 claims 32 bytes, has 1
    assert.throws(() => decodeAnswers(Buffer.from([0x0a, 0x05, 0x08])), /field answers \(1\) is cut short/); // an answer of 5 bytes, 1 there
  });
});
