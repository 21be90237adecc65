/**
 * The columns a signal is recorded in, worked out from its descriptor before the first signal arrives: `time`
 * (float64 POSIX seconds of reception), then one column per payload field, nested messages flattened with `.`
 * (`position.x`).
 *
 * | payload field | column |
 * | --- | --- |
 * | number (`double`, `float`, 32-bit and safe 64-bit integers) | float64; an absent optional field is NaN |
 * | `bigint` (`int64`, `uint64`) | int64, uint64 |
 * | boolean | uint8 (0, 1); optional: int8 with -1 when absent |
 * | enum | int32: the protobuf number of the value (0 when absent); the column's description lists the numbers |
 * | `Date` | float64 POSIX seconds; NaN when absent |
 * | typed array (`Float64Array`, `Int16Array`, ...) | a two-dimensional column of the same element type, one row of `width` elements per signal |
 *
 * A typed-array field needs its width (the trace length) before the first signal, since the data set is created at
 * the start: `widths` gives it per field (`{ samples: 1000 }`), and a typed-array field without one is refused. A
 * signal whose array has another length is dropped by the buffer and counted (see `signal-buffer.ts`).
 *
 * Strings, bytes, lists of numbers and maps are refused (an InvalidArgumentError naming the field): a data set's
 * columns hold a fixed number of numbers per row.
 *
 * @module
 */
import { InvalidArgumentError, UnknownNameError } from "../protocol/errors.ts";
import type { FieldDescriptor, ServiceDescriptor, TypeDescriptor } from "../protocol/service-descriptor.ts";
import type { ColumnType } from "../data/index.ts";
import { widthProblem } from "../data/column-types.ts";
import type { TypedArrayName } from "../protocol/service-descriptor.ts";

/** One recorded column: its layout and how to read its value from a payload. */
export interface SignalColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
  /** Elements per row of a typed-array field's column; absent for one value per row. */
  readonly width?: number;
  /**
   * The column's value in `payload`: a number (a bigint for 64-bit integer columns), or for a column with a width the
   * field's typed array as it is, unchecked.
   */
  readonly read: (payload: unknown) => unknown;
}

/** Widths of a signal's typed-array fields, by column name (`{ samples: 1000, "position.trace": 16 }`). */
export type FieldWidths = Readonly<Record<string, number>>;

const TYPED_COLUMNS: Readonly<Record<TypedArrayName, ColumnType>> = {
  Float64Array: "float64",
  Float32Array: "float32",
  Int32Array: "int32",
  Uint32Array: "uint32",
  Int16Array: "int16",
  Uint16Array: "uint16",
  Int8Array: "int8",
  BigInt64Array: "int64",
  BigUint64Array: "uint64",
};

/** The name of the column holding the time each signal was received. */
export const TIME_COLUMN = "time";

/**
 * The columns recording signal `signalName` of a `descriptor`'s objects takes, `time` first; `widths` gives the
 * length of each typed-array field.
 */
export function signalColumns(descriptor: ServiceDescriptor, signalName: string, address: string, widths: FieldWidths = {}): SignalColumn[] {
  const signal = descriptor.signals.find((s) => s.name === signalName);
  if (!signal) {
    const known = descriptor.signals.map((s) => s.name).join(", ") || "none";
    throw new UnknownNameError(
      `${address} (${descriptor.className}) has no signal ${signalName} that can be recorded (signals: ${known}); ` +
        `check the name, and import the generated code of ${descriptor.className}`,
    );
  }
  const time: SignalColumn = { name: TIME_COLUMN, type: "float64", description: "time the signal was received, POSIX seconds", read: () => 0 };
  const where = `signal ${address}.${signalName}`;
  const payload = signal.payload.kind === "message"
    ? fieldColumns(descriptor, signal.payload.name, "", (p) => p, where, widths)
    : [column(descriptor, { name: "value", type: signal.payload, optional: false, doc: signal.doc }, "value", (p) => p, where, widths)];
  const unused = Object.keys(widths).filter((name) => !payload.some((c) => c.name === name && c.width !== undefined));
  if (unused.length > 0) {
    const typed = payload.filter((c) => c.width !== undefined).map((c) => c.name);
    throw new InvalidArgumentError(
      `Cannot record ${where}: widths name ${unused.map((n) => `"${n}"`).join(", ")}, which ${unused.length === 1 ? "is not a typed-array field" : "are not typed-array fields"} of its payload (its typed-array fields: ${typed.join(", ") || "none"})`,
    );
  }
  if (payload.some((c) => c.name === TIME_COLUMN)) {
    throw new InvalidArgumentError(`Cannot record ${where}: its payload has a field named "${TIME_COLUMN}", the name of the recorder's own column`);
  }
  return [time, ...payload];
}

type Get = (payload: unknown) => unknown;

function fieldColumns(descriptor: ServiceDescriptor, messageName: string, prefix: string, get: Get, where: string, widths: FieldWidths, depth = 0): SignalColumn[] {
  const message = descriptor.messages.find((m) => m.name === messageName);
  if (!message) throw new InvalidArgumentError(`Cannot record ${where}: its descriptor lacks message ${messageName}`);
  if (depth > 8) throw new InvalidArgumentError(`Cannot record ${where}: message ${messageName} nests too deep`);
  return message.fields.flatMap((field) => {
    const name = prefix + field.name;
    const key = field.name;
    const read: Get = (p) => (get(p) as Record<string, unknown> | undefined)?.[key];
    if (field.type.kind === "message") {
      if (field.optional) throw new InvalidArgumentError(`Cannot record ${where}: field "${name}" is an optional message; only required nested messages are recorded`);
      return fieldColumns(descriptor, field.type.name, `${name}.`, read, where, widths, depth + 1);
    }
    return [column(descriptor, field, name, read, where, widths)];
  });
}

function column(descriptor: ServiceDescriptor, field: Pick<FieldDescriptor, "name" | "type" | "optional" | "doc">, name: string, get: Get, where: string, widths: FieldWidths): SignalColumn {
  const description = field.doc ?? "";
  const type: TypeDescriptor = field.type;
  const refuse = (what: string) =>
    new InvalidArgumentError(`Cannot record ${where}: field "${name}" is ${what}; a recorded field must be a number, bigint, boolean, enum, Date or typed array`);
  switch (type.kind) {
    case "scalar":
      switch (type.proto) {
        case "string":
          throw refuse("a string");
        case "bytes":
          throw refuse("bytes");
        case "bool":
          return field.optional
            ? { name, type: "int8", description, read: (p) => { const v = get(p); return v === undefined ? -1 : v ? 1 : 0; } }
            : { name, type: "uint8", description, read: (p) => (get(p) ? 1 : 0) };
        default:
          if (type.bigint) {
            if (field.optional) throw refuse("an optional bigint (no value stands for absent)");
            return { name, type: type.proto === "uint64" ? "uint64" : "int64", description, read: (p) => get(p) as bigint };
          }
          return { name, type: "float64", description, read: (p) => { const v = get(p); return v === undefined ? NaN : (v as number); } };
      }
    case "timestamp":
      return { name, type: "float64", description: description || "POSIX seconds", read: (p) => { const v = get(p) as Date | undefined; return v === undefined ? NaN : v.getTime() / 1000; } };
    case "enum": {
      const values = descriptor.enums.find((e) => e.name === type.name)?.values ?? [];
      const numbers = new Map<unknown, number>(values.map((v) => [v.value, v.number]));
      const legend = `${type.name}: ${values.map((v) => `${v.number}=${String(v.value)}`).join(", ")}`;
      return { name, type: "int32", description: description ? `${description} (${legend})` : legend, read: (p) => numbers.get(get(p)) ?? 0 };
    }
    case "list": {
      if (!type.typed) throw refuse("a list");
      const width = Object.hasOwn(widths, name) ? widths[name] : undefined;
      if (width === undefined) {
        throw new InvalidArgumentError(
          `Cannot record ${where}: field "${name}" is ${/^[AEIOU]/.test(type.typed) ? "an" : "a"} ${type.typed}, whose length the recorder must know before the first signal; ` +
            `give it as record()'s widths option, e.g. widths: { "${where.slice("signal ".length)}": { "${name}": 1000 } } ` +
            `(qmi record: --width ${where.slice("signal ".length)}.${name}=1000)`,
        );
      }
      const problem = widthProblem(width);
      if (problem) throw new InvalidArgumentError(`Cannot record ${where}: the width of field "${name}" ${problem}`);
      if (field.optional) throw refuse(`an optional ${type.typed} (no row stands for absent)`);
      return { name, type: TYPED_COLUMNS[type.typed], description, width, read: get };
    }
    case "map":
      throw refuse("a map");
    case "message":
      throw refuse("a message");
    case "void":
      throw refuse("empty");
  }
}
