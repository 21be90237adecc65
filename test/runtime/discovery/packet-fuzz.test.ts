/**
 * Fuzzing of the discovery packet decoder (fast-check): random bytes and mutated valid packets never make it
 * throw, and whatever it returns is bounded and is exactly what the bytes encode.
 *
 * Bounded: QMI_FUZZ_RUNS (default 1000 cases per property), QMI_FUZZ_SEED (default fixed; printed on failure).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodePacket,
  encodePacket,
  MAX_PACKET_BYTES,
  MAX_TEXT_BYTES,
  type DiscoveryPacket,
} from "../../../runtime/discovery/packet.ts";

const SEED = Number(process.env.QMI_FUZZ_SEED ?? 20_261_203);
const RUNS = Number(process.env.QMI_FUZZ_RUNS ?? 1000);

/** Runs a property with the fixed seed; on failure, says how to replay it. */
function check<T>(arbitrary: fc.Arbitrary<T>, body: (value: T) => void): void {
  try {
    fc.assert(fc.property(arbitrary, body), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  } catch (error) {
    console.error(`packet fuzz failed with seed ${SEED}: replay with QMI_FUZZ_SEED=${SEED} QMI_FUZZ_RUNS=${RUNS}`);
    throw error;
  }
}

/** No lone surrogate (String.isWellFormed is past the project's ES target). */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

/** Texts that fit a field: any code points, sometimes the longest allowed, sometimes control characters. */
const text = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: fc.constantFrom("*", "?", "a", "\u0000", "\u001b", "é"), maxLength: MAX_TEXT_BYTES }),
    fc.constant("x".repeat(MAX_TEXT_BYTES)),
  )
  .filter((s) => wellFormed(s) && Buffer.byteLength(s) <= MAX_TEXT_BYTES);
const requestId = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes));
const validPacket: fc.Arbitrary<DiscoveryPacket> = fc.oneof(
  fc.record({ type: fc.constant("query" as const), requestId, workgroup: text, contextName: text }),
  fc.record({
    type: fc.constant("answer" as const),
    requestId,
    name: text.filter((s) => s !== ""),
    workgroup: text,
    host: text,
    port: fc.integer({ min: 1, max: 65535 }),
    pid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  }),
);

type Mutation =
  | { kind: "set"; at: number; byte: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(data: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(data);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === "set" && at < out.length) out[at] = m.byte;
    else if (m.kind === "insert") out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else if (m.kind === "delete") out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
    else if (m.kind === "truncate") out = out.subarray(0, at);
  }
  return out;
}

/** Decodes without throwing and checks that a result is bounded and is exactly what `data` encodes. */
function decodeChecked(data: Buffer): DiscoveryPacket | undefined {
  const packet = decodePacket(data);
  if (packet === undefined) return undefined;
  assert.ok(data.length <= MAX_PACKET_BYTES, `decoded ${data.length} bytes`);
  assert.equal(packet.requestId.length, 8);
  const texts = packet.type === "query" ? [packet.workgroup, packet.contextName] : [packet.name, packet.workgroup, packet.host];
  for (const value of texts) {
    assert.equal(typeof value, "string");
    assert.ok(wellFormed(value), JSON.stringify(value));
    assert.ok(Buffer.byteLength(value) <= MAX_TEXT_BYTES, JSON.stringify(value));
  }
  if (packet.type === "answer") {
    assert.ok(packet.name !== "");
    assert.ok(Number.isInteger(packet.port) && packet.port >= 1 && packet.port <= 65535, String(packet.port));
    assert.ok(Number.isInteger(packet.pid) && packet.pid >= 0 && packet.pid <= 2 ** 32 - 1, String(packet.pid));
  } else {
    assert.equal(packet.type, "query");
  }
  // Canonical: nothing in the bytes was skipped, replaced or ignored.
  assert.deepEqual(encodePacket(packet), data);
  return packet;
}

describe("decodePacket (fuzzed)", () => {
  it("never throws on random bytes, with or without a valid header, and returns only bounded packets", () => {
    const header = Buffer.from("QMTS\u0001", "latin1");
    const bytes = fc.uint8Array({ maxLength: MAX_PACKET_BYTES + 100 }).map((b) => Buffer.from(b));
    const withHeader = fc
      .tuple(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: MAX_PACKET_BYTES }))
      .map(([type, rest]) => Buffer.concat([header, Buffer.from([type]), rest]));
    check(fc.oneof(bytes, withHeader), (data) => void decodeChecked(data));
  });

  it("round-trips every valid packet, and never throws on mutated ones", () => {
    check(fc.tuple(validPacket, fc.array(mutation, { maxLength: 4 })), ([packet, mutations]) => {
      const encoded = encodePacket(packet);
      assert.ok(encoded.length <= MAX_PACKET_BYTES);
      assert.deepEqual(decodeChecked(encoded), { ...packet }); // fast-check's records have no prototype
      decodeChecked(mutate(encoded, mutations));
    });
  });

  it("decodes the longest valid packet and refuses one byte more", () => {
    const longest = encodePacket({
      type: "answer",
      requestId: Buffer.alloc(8, 1),
      name: "n".repeat(MAX_TEXT_BYTES),
      workgroup: "w".repeat(MAX_TEXT_BYTES),
      host: "h".repeat(MAX_TEXT_BYTES),
      port: 65535,
      pid: 2 ** 32 - 1,
    });
    assert.equal(longest.length, MAX_PACKET_BYTES);
    assert.equal(decodeChecked(longest)?.type, "answer");
    assert.equal(decodePacket(Buffer.concat([longest, Buffer.from([0])])), undefined);
    assert.equal(decodePacket(Buffer.alloc(65_507, 0x51)), undefined);
  });
});
