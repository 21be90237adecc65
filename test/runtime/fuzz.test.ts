/**
 * Property-based fuzzing of a context's gRPC server with raw requests (fast-check): random bytes, messages with
 * wrong field types, unknown services and methods, messages over the configured limit, missing and garbage
 * metadata, wrong auth and lock tokens, on unary calls and on streams. Every request must end with a proper
 * status, the server must stay up, and good calls must still succeed afterwards.
 *
 * Bounded: QMI_FUZZ_RUNS (default 1000 unary + 200 stream cases), QMI_FUZZ_SEED (default fixed; printed on failure).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, status as Status } from "@grpc/grpc-js";
import fc from "fast-check";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { rawStream, rawUnary, type RawMetadata, type RawOutcome } from "../helpers/raw-grpc.ts";
import { SIGNALS_PROTO, SIGNALS_SERVICE, CHANNEL_PROTO, CHANNEL_SERVICE } from "../../runtime/protocol/core-services.ts";

const TOKEN = "fuzz-token-0123456789abcdef";
const LIMIT = 16 * 1024;
const SEED = Number(process.env.QMI_FUZZ_SEED ?? 20_261_125);
const RUNS = Number(process.env.QMI_FUZZ_RUNS ?? 1000);
const STREAM_RUNS = Math.max(10, Math.round(RUNS / 5));

const NSG_FILE = "qmi/drivers/dummy/noisy_sine_generator.proto";
const NSG_SERVICE = "qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator";

/** Paths of every RPC, split into unary ones and streaming ones. */
function knownPaths(): { unary: string[]; streams: { path: string; bidi: boolean }[] } {
  const unary: string[] = [];
  const streams: { path: string; bidi: boolean }[] = [];
  const services: [string, string][] = [
    [NSG_FILE, NSG_SERVICE],
    ["qmi/core/context.proto", "qmi.core.Context"],
    ["qmi/core/lock.proto", "qmi.core.Lock"],
    ["qmi/core/task.proto", "qmi.core.Task"],
    [CHANNEL_PROTO, CHANNEL_SERVICE],
    [SIGNALS_PROTO, SIGNALS_SERVICE],
  ];
  for (const [file, service] of services) {
    for (const method of Object.values(loadService(file, service))) {
      if (method.path.endsWith("/Shutdown")) continue; // an authorised caller may ask the context to stop: not fuzzed
      if (method.responseStream || method.requestStream) streams.push({ path: method.path, bidi: method.requestStream });
      else unary.push(method.path);
    }
  }
  unary.push("/grpc.health.v1.Health/Check");
  streams.push({ path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", bidi: true });
  streams.push({ path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", bidi: true });
  return { unary, streams };
}

/** Encodes a varint. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>>= 7;
  } while (v > 0);
  return out;
}

/** Protobuf-shaped bytes whose fields have arbitrary numbers and wire types (so mostly the wrong types). */
const wrongTypes = fc
  .array(
    fc.record({ field: fc.integer({ min: 1, max: 8 }), wire: fc.constantFrom(0, 1, 2, 5), payload: fc.uint8Array({ maxLength: 16 }) }),
    { minLength: 1, maxLength: 5 },
  )
  .map((fields) =>
    Buffer.from(
      fields.flatMap(({ field, wire, payload }) => {
        const tag = varint((field << 3) | wire);
        const bytes = [...payload];
        if (wire === 0) return [...tag, ...(bytes.length ? bytes.map((b, i) => (i < bytes.length - 1 ? b | 0x80 : b & 0x7f)) : [0])];
        if (wire === 1) return [...tag, ...bytes.concat(Array(8).fill(0)).slice(0, 8)];
        if (wire === 5) return [...tag, ...bytes.concat(Array(4).fill(0)).slice(0, 4)];
        return [...tag, ...varint(bytes.length), ...bytes];
      }),
    ),
  );

type Body = { kind: "random" | "wrongTypes" | "empty" | "huge"; bytes: Buffer };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 96 }).map((b): Body => ({ kind: "random", bytes: Buffer.from(b) })) },
  { weight: 4, arbitrary: wrongTypes.map((b): Body => ({ kind: "wrongTypes", bytes: b })) },
  { weight: 2, arbitrary: fc.constant<Body>({ kind: "empty", bytes: Buffer.alloc(0) }) },
  { weight: 1, arbitrary: fc.integer({ min: LIMIT + 1, max: LIMIT * 3 }).map((n): Body => ({ kind: "huge", bytes: Buffer.alloc(n, 7) })) },
);

const printable = fc.string({ unit: "grapheme-ascii", maxLength: 40 });
type Auth = "good" | "missing" | "garbage";
const metadata = fc.record({
  auth: fc.oneof({ weight: 6, arbitrary: fc.constant<Auth>("good") }, { weight: 1, arbitrary: fc.constantFrom<Auth>("missing", "garbage") }),
  garbageToken: printable,
  object: fc.option(fc.oneof(fc.constantFrom("nsg", "nsg2", "", "nsg.x"), printable), { nil: undefined }),
  lockToken: fc.option(printable, { nil: undefined }),
  callerContext: fc.option(printable, { nil: undefined }),
  extra: fc.dictionary(fc.stringMatching(/^x-[a-z0-9_.-]{1,10}$/).filter((k) => !k.endsWith("-bin")), printable, { maxKeys: 3 }),
  binary: fc.option(fc.uint8Array({ maxLength: 32 }), { nil: undefined }),
});
type Meta = typeof metadata extends fc.Arbitrary<infer M> ? M : never;

function metadataOf(meta: Meta): RawMetadata {
  const out: Record<string, string | Buffer> = { ...meta.extra };
  if (meta.binary !== undefined) out["x-junk-bin"] = Buffer.from(meta.binary);
  if (meta.auth === "good") out["qmi-auth-token"] = TOKEN;
  if (meta.auth === "garbage") out["qmi-auth-token"] = meta.garbageToken.trim() === TOKEN ? "x" : meta.garbageToken;
  if (meta.object !== undefined) out["qmi-object"] = meta.object;
  if (meta.lockToken !== undefined) out["qmi-lock-token"] = meta.lockToken;
  if (meta.callerContext !== undefined) out["qmi-context"] = meta.callerContext;
  return out;
}

const unknownPath = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.]{0,20}$/).map((service) => `/${service}/Nope`),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/).map((method) => `/${NSG_SERVICE}/${method}X`),
  fc.constantFrom("/qmi.core.Nothing/Ping", "/qmi.core.Context/Kill", "/", "/a/b/c"),
);

/** Statuses a context may answer to anything; INTERNAL and UNAVAILABLE (a crash or a hang-up) are never fine. */
const ACCEPTABLE = new Set([
  Status.OK,
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.FAILED_PRECONDITION,
  Status.DEADLINE_EXCEEDED,
  Status.UNKNOWN,
  Status.UNAUTHENTICATED,
  Status.RESOURCE_EXHAUSTED,
  Status.UNIMPLEMENTED,
  Status.ABORTED,
  Status.CANCELLED,
]);

/** Checks one outcome against what the request deserves. */
function check(outcome: RawOutcome, expect: { path: string; known: boolean; auth: Auth; huge: boolean; stream: boolean }): void {
  const what = `${Status[outcome.code]} ${outcome.errorClass ?? "-"} ${outcome.details}`;
  // Without the token, an unknown path is refused like a known one: the answer does not tell what is hosted.
  if (expect.auth !== "good") {
    assert.equal(outcome.code, Status.UNAUTHENTICATED, what);
    return assert.equal(outcome.errorClass, "UnauthenticatedError", what);
  }
  if (!expect.known) return assert.equal(outcome.code, Status.UNIMPLEMENTED, what);
  if (expect.huge && !expect.stream) return assert.equal(outcome.code, Status.RESOURCE_EXHAUSTED, what);
  assert.ok(ACCEPTABLE.has(outcome.code), `unacceptable status: ${what}`);
  assert.notEqual(outcome.code, Status.UNAUTHENTICATED, what);
  // grpc-js's own answers, and those of the health and reflection services, carry no qmi-error trailer.
  const fromGrpc = [Status.OK, Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED].includes(outcome.code) || !expect.path.startsWith("/qmi.");
  if (!fromGrpc) assert.ok(outcome.errorClass, `a qmi-ts status without the qmi-error trailer: ${what}`);
}

describe("fuzzing a context with raw gRPC requests (fast-check)", () => {
  let server: Context;
  let raw: Client;
  const paths = knownPaths();
  const codes = new Map<string, number>();
  const count = (outcome: RawOutcome) => codes.set(Status[outcome.code]!, (codes.get(Status[outcome.code]!) ?? 0) + 1);

  before(async () => {
    server = await Context.start("fuzz_server", {
      config: { discovery: { enabled: false }, security: { token: TOKEN, max_message_bytes: LIMIT } },
    });
    await server.makeInstrument("nsg", NoisySineGenerator);
    await server.makeInstrument("nsg2", NoisySineGenerator);
    raw = new Client(server.address, credentials.createInsecure());
  });
  after(async () => {
    raw?.close();
    await server?.stop();
  });

  /** Runs a property with the fixed seed; on failure, says how to replay it. */
  async function run<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, body: (value: T) => Promise<void>): Promise<void> {
    try {
      await fc.assert(fc.asyncProperty(arbitrary, body), { seed: SEED, numRuns, endOnFailure: true });
    } catch (error) {
      console.error(`fuzz failed with seed ${SEED}: replay with QMI_FUZZ_SEED=${SEED} QMI_FUZZ_RUNS=${RUNS}`);
      throw error;
    }
  }

  it(`answers ${RUNS} random unary requests with proper statuses`, async () => {
    const request = fc.record({
      path: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...paths.unary).map((p) => ({ p, known: true })) }, { weight: 1, arbitrary: unknownPath.map((p) => ({ p, known: false })) }),
      body,
      meta: metadata,
    });
    await run(request, RUNS, async ({ path, body, meta }) => {
      const outcome = await rawUnary(raw, path.p, body.bytes, metadataOf(meta), 500);
      count(outcome);
      check(outcome, { path: path.p, known: path.known, auth: meta.auth, huge: body.kind === "huge", stream: false });
    });
  });

  it(`answers ${STREAM_RUNS} random streaming requests (server streams and bidi) with proper statuses`, async () => {
    const request = fc.record({ stream: fc.constantFrom(...paths.streams), body, meta: metadata });
    await run(request, STREAM_RUNS, async ({ stream, body, meta }) => {
      const outcome = await rawStream(raw, stream.path, body.bytes, metadataOf(meta), { bidi: stream.bidi, timeoutMs: 300 });
      count(outcome);
      check(outcome, { path: stream.path, known: true, auth: meta.auth, huge: body.kind === "huge", stream: true });
    });
  });

  it("stays up: good calls succeed afterwards, raw and through a proxy", async (t) => {
    t.diagnostic(`statuses seen: ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);
    const ping = await rawUnary(raw, "/qmi.core.Context/Ping", Buffer.alloc(0), { "qmi-auth-token": TOKEN });
    assert.equal(ping.code, Status.OK, ping.details);
    const client = await Context.start("fuzz_client", { config: { discovery: { enabled: false }, security: { token: TOKEN } } });
    try {
      await client.connectToPeer("fuzz_server", { address: server.address });
      for (const name of ["nsg", "nsg2"]) {
        const nsg = await client.getInstrument(`fuzz_server.${name}`, NoisySineGeneratorProxy, { timeout: 5 });
        await nsg.forceUnlock();
        if (!(await nsg.isOpen())) await nsg.open();
        await nsg.setAmplitude(2);
        assert.equal(await nsg.getAmplitude(), 2);
      }
    } finally {
      await client.stop();
    }
  });
});
