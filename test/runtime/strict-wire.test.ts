/**
 * The strict wire check (runtime/protocol/strict-wire.ts) against protobufjs: every message protobufjs encodes is accepted
 * (fast-check, over every message type of the core protos and of a driver with maps, enums, timestamps and
 * optional fields), mutated messages never make it throw anything but a WireFormatError, and what it accepts
 * protobufjs decodes the same from a Buffer (lenient) as from a Uint8Array (bounds-checked).
 *
 * Bounded: QMI_FUZZ_RUNS (default 1000 cases per property), QMI_FUZZ_SEED (default fixed; printed on failure).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import protobuf from "protobufjs";
import { EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { IDL_ROOT, loadService } from "../../runtime/protocol/proto-files.ts";
import { MAX_DEPTH, WireFormatError, checkWire, wireSchemaOf } from "../../runtime/protocol/strict-wire.ts";

const SEED = Number(process.env.QMI_FUZZ_SEED ?? 20_261_203);
const RUNS = Number(process.env.QMI_FUZZ_RUNS ?? 1000);

const FILES = ["qmi/core/context.proto", "qmi/core/lock.proto", "qmi/core/task.proto", "qmi/core/channel.proto", "qmi/core/signals.proto", EchoInstrumentService.protoFile];

/** The message types of {@link FILES}, parsed by protobufjs from the `.proto` text (maps as `MapField`s). */
function loadTypes(): protobuf.Type[] {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : join(IDL_ROOT, target));
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  const types: protobuf.Type[] = [];
  const visit = (namespace: protobuf.NamespaceBase) => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) types.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  return types.filter((t) => t.fullName.startsWith(".qmi.") || t.fullName === ".google.protobuf.Timestamp");
}

const types = loadTypes();

/** Values of a scalar type, as protobufjs's `fromObject` takes them (64-bit ones as decimal strings). */
function scalar(type: string): fc.Arbitrary<unknown> | undefined {
  switch (type) {
    case "double":
      return fc.double();
    case "float":
      return fc.float();
    case "int32":
    case "sint32":
    case "sfixed32":
      return fc.integer();
    case "uint32":
    case "fixed32":
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case "int64":
    case "sint64":
    case "sfixed64":
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String);
    case "uint64":
    case "fixed64":
      return fc.bigInt(0n, 2n ** 64n - 1n).map(String);
    case "bool":
      return fc.boolean();
    case "string":
      return fc.string({ unit: "binary", maxLength: 12 });
    case "bytes":
      return fc.uint8Array({ maxLength: 12 });
    default:
      return undefined;
  }
}

/** Objects of `type` for protobufjs's `fromObject`, nested at most `depth` deep. */
function objectOf(type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    let value = scalar(field.type);
    if (!value && field.resolvedType instanceof protobuf.Enum) {
      value = fc.oneof(fc.constantFrom(...Object.values(field.resolvedType.values)), fc.integer());
    } else if (!value && field.resolvedType instanceof protobuf.Type) {
      if (depth === 0) continue;
      value = objectOf(field.resolvedType, depth - 1);
    }
    if (!value) throw new Error(`no arbitrary for ${field.fullName}`);
    if (field instanceof protobuf.MapField) {
      const key = field.keyType === "string" ? fc.string({ unit: "binary", maxLength: 8 }).filter((k) => k !== "__proto__") : scalar(field.keyType)!.map(String);
      fields[field.name] = fc.dictionary(key, value, { maxKeys: 3, noNullPrototype: true });
    } else if (field.repeated) {
      fields[field.name] = fc.array(value, { maxLength: 4 });
    } else {
      fields[field.name] = value;
    }
  }
  return fc.record(fields, { requiredKeys: [] });
}

/** A valid encoding of some message type, with the type. */
const encoded = fc
  .constantFrom(...types)
  .chain((type) => objectOf(type, 3).map((object) => ({ type, bytes: Buffer.from(type.encode(type.fromObject(object)).finish()) })));

/** `bytes` changed at random: bytes overwritten, inserted or removed, or cut short. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant("remove" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
);

type Change = typeof mutation extends fc.Arbitrary<infer C> ? C : never;

function mutate(bytes: Buffer, changes: readonly Change[]): Buffer {
  let out = Buffer.from(bytes);
  for (const change of changes) {
    const at = change.at % (out.length + 1);
    if (change.kind === "set" && at < out.length) out[at] = change.value;
    if (change.kind === "insert") out = Buffer.concat([out.subarray(0, at), change.value, out.subarray(at)]);
    if (change.kind === "remove") out = Buffer.concat([out.subarray(0, at), out.subarray(at + change.count)]);
    if (change.kind === "cut") out = out.subarray(0, at);
  }
  return out;
}

/** protobufjs's reading of `bytes` (bytes as base64, 64-bit integers as strings), or the error it throws. */
function protobufjsReads(type: protobuf.Type, bytes: Uint8Array): unknown {
  try {
    return type.toObject(type.decode(bytes), { longs: String, bytes: String, enums: Number });
  } catch (error) {
    return error;
  }
}

/** Runs a property with the fixed seed; on failure, says how to replay it. */
function run<T>(arbitrary: fc.Arbitrary<T>, body: (value: T) => void): void {
  try {
    fc.assert(fc.property(arbitrary, body), { seed: SEED, numRuns: RUNS });
  } catch (error) {
    console.error(`strict-wire fuzz failed with seed ${SEED}: replay with QMI_FUZZ_SEED=${SEED} QMI_FUZZ_RUNS=${RUNS}`);
    throw error;
  }
}

/** Whether checkWire accepts `bytes`; any throw but a WireFormatError fails the test. */
function accepts(type: protobuf.Type, bytes: Uint8Array): boolean {
  try {
    checkWire(wireSchemaOf(type), bytes);
    return true;
  } catch (error) {
    if (error instanceof WireFormatError) return false;
    throw error;
  }
}

describe("checkWire (strict-wire.ts)", () => {
  it(`accepts every message protobufjs encodes (${RUNS} cases over ${types.length} message types)`, () => {
    run(encoded, ({ type, bytes }) => {
      checkWire(wireSchemaOf(type), bytes);
    });
  });

  it("accepts every request proto-loader encodes, through the strict deserializers the server uses", () => {
    const rpcs = loadService(EchoInstrumentService.protoFile, EchoInstrumentService.protoService);
    const requests = types.filter((t) => t.fullName.startsWith(".qmi.drivers.dummy.echo_instrument.") && t.name.endsWith("Request"));
    assert.ok(requests.length > 20);
    const cases = fc.constantFrom(...requests).chain((type) => objectOf(type, 3).map((object) => ({ type, object })));
    run(cases, ({ type, object }) => {
      const method = rpcs[type.name.replace(/Request$/, "")]!;
      const bytes = Buffer.from(type.encode(type.fromObject(object)).finish());
      method.requestDeserialize(bytes); // throws a WireFormatError when refused
    });
  });

  it(`never throws anything but a WireFormatError on mutated messages, and accepts only what protobufjs reads alike from a Buffer and a Uint8Array (${RUNS} cases)`, () => {
    run(fc.tuple(encoded, fc.array(mutation, { minLength: 1, maxLength: 3 })), ([{ type, bytes }, changes]) => {
      const mutated = mutate(bytes, changes);
      const strict = protobufjsReads(type, new Uint8Array(mutated));
      if (!accepts(type, mutated)) return;
      assert.ok(!(strict instanceof Error), `accepted what protobufjs cannot read: ${String(strict)} (${mutated.toString("hex")})`);
      assert.deepEqual(protobufjsReads(type, mutated), strict, mutated.toString("hex"));
    });
  });

  it(`never throws anything but a WireFormatError on random bytes (${RUNS} cases)`, () => {
    run(fc.tuple(fc.constantFrom(...types), fc.uint8Array({ maxLength: 48 })), ([type, bytes]) => {
      if (accepts(type, bytes)) assert.ok(!(protobufjsReads(type, bytes) instanceof Error), Buffer.from(bytes).toString("hex"));
    });
  });

  const root = protobuf.Root.fromJSON(({
    nested: {
      Node: { fields: { child: { type: "Node", id: 1 }, name: { type: "string", id: 2 }, counts: { rule: "repeated", type: "int32", id: 3 } } },
      Doubles: { fields: { values: { rule: "repeated", type: "double", id: 1 }, flag: { type: "bool", id: 2 } } },
      Labels: { fields: { labels: { keyType: "string", type: "string", id: 1 } } },
    },
  }) as protobuf.INamespace);
  root.resolveAll();
  const schemaOf = (name: string) => wireSchemaOf(root.lookupType(name));
  const refuses = (name: string, hex: string, problem: RegExp) =>
    assert.throws(() => checkWire(schemaOf(name), Buffer.from(hex.replace(/\s+/g, ""), "hex")), (e: unknown) => e instanceof WireFormatError && problem.test(e.message));

  it("names the field, nested fields by their path", () => {
    refuses("Node", "0a 04 0a 02 12 05", /^field child \(1\)\.child \(1\)\.name \(2\) is cut short: 5 bytes announced, 0 left$/);
    refuses("Node", "1a 01 80", /^field counts \(3\) is cut short inside a varint$/);
  });

  it("refuses what protobuf does not define: field number 0, wire types 6 and 7, an end group without its start", () => {
    refuses("Node", "00 01", /^the message has a field numbered 0$/);
    refuses("Node", "7e", /wire type 6 \(field 15\), which protobuf does not define/);
    refuses("Node", "7f", /wire type 7/);
    refuses("Node", "7c", /has an end-group tag \(field 15\) without its start/);
    refuses("Node", "7b 08 01", /ends inside group 15/);
  });

  it("accepts unknown fields of every wire type, groups included", () => {
    // Fields 31: a varint, 64 bits, 2 bytes, 32 bits, then a group holding a varint.
    checkWire(schemaOf("Node"), Buffer.from("f80105 f9010102030405060708 fa0102ffff fd0101020304 fb01 0801 fc01".replace(/ /g, ""), "hex"));
  });

  it("accepts repeated numbers packed and unpacked; refuses a packed run of the wrong length or out of range", () => {
    checkWire(schemaOf("Doubles"), Buffer.from("09000000000000f03f0a08000000000000f03f", "hex"));
    refuses("Doubles", "0a 07 00000000000000", /field values \(1\) holds 7 bytes of packed double, not a multiple of 8/);
    checkWire(schemaOf("Node"), Buffer.from("1a0301ff01", "hex"));
    refuses("Node", "1a 06 8080808010 01", /field counts \(3\) holds 4294967296, which does not fit int32/);
  });

  it("refuses a map key __proto__ (map fields as protobufjs parses them from .proto text)", () => {
    const entry = (key: string) => Buffer.concat([Buffer.from([0x0a, key.length + 5, 0x0a, key.length]), Buffer.from(key), Buffer.from("120178", "hex")]).toString("hex");
    checkWire(schemaOf("Labels"), Buffer.from(entry("__proto_x"), "hex"));
    refuses("Labels", entry("__proto__"), /^field labels \(1\)\.key \(1\) is "__proto__"/);
  });

  it(`refuses messages nested deeper than ${MAX_DEPTH} levels`, () => {
    // protobufjs refuses to encode this deep, so the bytes are written here: field 1, length, the inner message.
    const nested = (levels: number): Buffer => {
      let inner = Buffer.alloc(0);
      for (let i = 0; i < levels; i++) {
        const length: number[] = [];
        for (let n = inner.length; ; n >>>= 7) {
          length.push(n > 0x7f ? (n & 0x7f) | 0x80 : n);
          if (n <= 0x7f) break;
        }
        inner = Buffer.concat([Buffer.from([0x0a, ...length]), inner]);
      }
      return inner;
    };
    checkWire(schemaOf("Node"), nested(MAX_DEPTH));
    refuses("Node", nested(MAX_DEPTH + 1).toString("hex"), /^field child \(1\)(\.child \(1\)){100} nests messages deeper than 100 levels$/);
  });
});
