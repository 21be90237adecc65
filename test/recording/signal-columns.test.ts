/**
 * `signalColumns`: the columns a signal is recorded in, from its descriptor, and how each reads a payload.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServiceDescriptor } from "qmi-ts";
import { signalColumns } from "../../runtime/recording/signal-columns.ts";

const descriptor = {
  className: "Probe",
  signals: [
    { name: "measured", rpcName: "SubscribeMeasured", eventType: "MeasuredEvent", payload: { kind: "message", name: "Measured" } },
    { name: "counted", rpcName: "SubscribeCounted", eventType: "CountedEvent", payload: { kind: "scalar", proto: "int64", bigint: true }, doc: "a count" },
    { name: "labelled", rpcName: "SubscribeLabelled", eventType: "LabelledEvent", payload: { kind: "message", name: "Labelled" } },
  ],
  messages: [
    {
      name: "Measured",
      fields: [
        { name: "level", protoName: "level", number: 1, type: { kind: "scalar", proto: "float" }, optional: false, doc: "volts" },
        { name: "offset", protoName: "offset", number: 2, type: { kind: "scalar", proto: "double" }, optional: true },
        { name: "serial", protoName: "serial", number: 3, type: { kind: "scalar", proto: "uint64", bigint: true }, optional: false },
        { name: "ok", protoName: "ok", number: 4, type: { kind: "scalar", proto: "bool" }, optional: false },
        { name: "armed", protoName: "armed", number: 5, type: { kind: "scalar", proto: "bool" }, optional: true },
        { name: "mode", protoName: "mode", number: 6, type: { kind: "enum", name: "Mode" }, optional: false },
        { name: "at", protoName: "at", number: 7, type: { kind: "timestamp" }, optional: false },
        { name: "position", protoName: "position", number: 8, type: { kind: "message", name: "Point" }, optional: false },
      ],
    },
    { name: "Point", fields: [{ name: "x", protoName: "x", number: 1, type: { kind: "scalar", proto: "int32" }, optional: false }] },
    { name: "Labelled", fields: [{ name: "label", protoName: "label", number: 1, type: { kind: "scalar", proto: "string" }, optional: false }] },
  ],
  enums: [{ name: "Mode", values: [{ value: "slow", protoName: "MODE_SLOW", number: 1 }, { value: "fast", protoName: "MODE_FAST", number: 2 }] }],
  methods: [],
  constants: [],
} as unknown as ServiceDescriptor;

describe("signalColumns", () => {
  it("maps numbers, bigints, booleans, enums, dates and nested messages to columns, and reads a payload", () => {
    const columns = signalColumns(descriptor, "measured", "ctx.probe");
    assert.deepEqual(columns.map((c) => [c.name, c.type]), [
      ["time", "float64"], ["level", "float64"], ["offset", "float64"], ["serial", "uint64"], ["ok", "uint8"],
      ["armed", "int8"], ["mode", "int32"], ["at", "float64"], ["position.x", "float64"],
    ]);
    assert.equal(columns.find((c) => c.name === "mode")!.description, "Mode: 1=slow, 2=fast");
    assert.equal(columns.find((c) => c.name === "level")!.description, "volts");
    const payload = { level: 0.5, serial: 2n ** 64n - 1n, ok: true, mode: "fast", at: new Date(1500), position: { x: -3 } };
    assert.deepEqual(columns.slice(1).map((c) => c.read(payload)), [0.5, NaN, 2n ** 64n - 1n, 1, -1, 2, 1.5, -3]);
    assert.deepEqual(columns.slice(1).map((c) => c.read({ ...payload, offset: 7, ok: false, armed: false, mode: "slow" })), [0.5, 7, 2n ** 64n - 1n, 0, 0, 1, 1.5, -3]);
  });

  it("records a payload that is not a message as one column, value", () => {
    const columns = signalColumns(descriptor, "counted", "ctx.probe");
    assert.deepEqual(columns.map((c) => [c.name, c.type, c.description]), [["time", "float64", "time the signal was received, POSIX seconds"], ["value", "int64", "a count"]]);
    assert.equal(columns[1]!.read(42n), 42n);
  });

  it("records a typed-array field as a column of its given width, reading the array as it is, and refuses one without a width", () => {
    const traced = {
      ...descriptor,
      signals: [{ name: "traced", rpcName: "SubscribeTraced", eventType: "TracedEvent", payload: { kind: "message", name: "Traced" } }],
      messages: [{ name: "Traced", fields: [{ name: "trace", protoName: "trace", number: 1, type: { kind: "list", of: { kind: "scalar", proto: "uint64", bigint: true }, typed: "BigUint64Array" }, optional: false }] }],
    } as unknown as ServiceDescriptor;
    const columns = signalColumns(traced, "traced", "ctx.probe", { trace: 3 });
    assert.deepEqual(columns.map((c) => [c.name, c.type, c.width]), [["time", "float64", undefined], ["trace", "uint64", 3]]);
    const trace = BigUint64Array.of(1n, 2n, 3n);
    assert.equal(columns[1]!.read({ trace }), trace);
    assert.throws(() => signalColumns(traced, "traced", "ctx.probe"), /field "trace" is a BigUint64Array, whose length the recorder must know before the first signal/);
    assert.throws(() => signalColumns(traced, "traced", "ctx.probe", { trace: 2 ** 24 + 1 }), /the width of field "trace" must be an integer from 1 to 2\^24/);
  });

  it("refuses strings and unknown signals, naming the field or listing the signals", () => {
    assert.throws(() => signalColumns(descriptor, "labelled", "ctx.probe"), /Cannot record signal ctx\.probe\.labelled: field "label" is a string/);
    assert.throws(() => signalColumns(descriptor, "nope", "ctx.probe"), /ctx\.probe \(Probe\) has no signal nope .*signals: measured, counted, labelled/);
  });
});
