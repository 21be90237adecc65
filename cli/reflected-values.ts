/**
 * The JSON values of `qmi call`, to and from messages known from gRPC reflection alone.
 *
 * Loaded from reflection's file descriptors, a `map<K, V>` field is a list of `{ key, value }` entry messages and a
 * `google.protobuf.Timestamp` is `{ seconds, nanos }`. `qmi call` takes a map as a JSON object and a Timestamp as a
 * date string, and prints a map as a JSON object, wherever they are: a parameter, a field of a nested message, an
 * item of a list or the value of another map.
 *
 * Every value is checked against its field's type before anything is sent, and one that does not fit is an
 * {@link ArgumentError} naming the parameter (or the path inside it) and the type, e.g.
 * `argument frequency: expected a double, got "five"`. On the command line ({@link ReflectedTypes.fromText}):
 *
 * - `double`, `float`: a decimal number (`42`, `-1.5e3`), finite (a `float` within ±3.4028235e38); the words `NaN`,
 *   `Infinity` and `-Infinity` are accepted as such, so that no typo becomes NaN;
 * - integers: decimal digits with an optional sign, no fraction or exponent, within the type's range
 *   (`int32`, `uint32`, `int64`, `uint64` and their `sint`/`fixed` forms); 64-bit values are exact (sent as text);
 * - `bool`: `true` or `false`; an enum: one of its names (those listed in the error), not `*_UNSPECIFIED`;
 * - `string`: the text as given; `bytes`: base64; a Timestamp: an ISO 8601 date (`2026-01-02`,
 *   `2026-01-02T03:04:05.006Z`; without a zone offset, local time);
 * - a message, list or map: JSON, whose values are checked the same way (numbers as JSON numbers or the text
 *   above, 64-bit integers beyond 2^53 as strings, `null` for a field left unset; an unknown field is refused).
 *
 * @module
 */
import type { MessageTypeDefinition, PackageDefinition } from "@grpc/proto-loader";
import { InvalidArgumentError } from "../runtime/protocol/errors.ts";

/** An argument of `qmi call` that does not fit its parameter's type; found before anything is sent. */
export class ArgumentError extends InvalidArgumentError {
  constructor(where: string, expected: string, got: unknown) {
    super(`argument ${where}: expected ${expected}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
  }
}

/** A field of a `DescriptorProto`, as reflection gives it (enums as their names). */
interface FieldProto {
  readonly name: string;
  readonly number: number;
  readonly label?: string;
  /** `TYPE_DOUBLE`, `TYPE_MESSAGE`, ... */
  readonly type?: string;
  readonly typeName?: string;
}

/** The parts of an `EnumDescriptorProto` `qmi call` needs. */
interface EnumDescriptor {
  readonly value?: readonly { readonly name: string; readonly number: number }[];
}

/** The parts of a `DescriptorProto` that tell its fields apart. */
interface MessageDescriptor {
  readonly name?: string;
  readonly field?: readonly FieldProto[];
  readonly nestedType?: readonly (MessageDescriptor & { readonly options?: { readonly mapEntry?: boolean } | null })[];
}

/** One field of a reflected message. */
export interface ReflectedField {
  readonly name: string;
  readonly number: number;
  /** The field's type as the descriptor gives it: `TYPE_DOUBLE`, `TYPE_ENUM`, `TYPE_MESSAGE`, ... */
  readonly type?: string;
  /** The message or enum type of the field, as the descriptor names it (often relative to {@link scope}). */
  readonly typeName?: string;
  /** The full name of the message declaring the field, where a relative `typeName` is looked up from. */
  readonly scope: string;
  readonly repeated: boolean;
  /** The value field of a map field's entries; undefined for other fields. */
  readonly mapValue?: ReflectedField;
}

const TIMESTAMP = "google.protobuf.Timestamp";

/** The integer types: their names in errors and their ranges. */
const INTEGERS: Readonly<Record<string, { readonly name: string; readonly min: bigint; readonly max: bigint; readonly wide: boolean }>> = (() => {
  const int32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n, wide: false };
  const uint32 = { min: 0n, max: 2n ** 32n - 1n, wide: false };
  const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n, wide: true };
  const uint64 = { min: 0n, max: 2n ** 64n - 1n, wide: true };
  const types = { int32, sint32: int32, sfixed32: int32, uint32, fixed32: uint32, int64, sint64: int64, sfixed64: int64, uint64, fixed64: uint64 };
  return Object.fromEntries(
    Object.entries(types).map(([name, range]) => [`TYPE_${name.toUpperCase()}`, { name: `${/^[is]/.test(name) ? "an" : "a"} ${name}`, ...range }]),
  );
})();

/** The largest finite `float`. */
const FLOAT_MAX = 3.4028234663852886e38;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The message types of a reflected service, and the conversions of values of their fields. */
export class ReflectedTypes {
  constructor(private readonly definitions: PackageDefinition) {}

  /**
   * The fields of a request or response type of the service `service` (a proto-loader message type, declared in
   * the service's package as generated services declare them), in field-number order.
   */
  fieldsOf(messageType: unknown, service: string): ReflectedField[] {
    const type = (messageType as MessageTypeDefinition<object, object>).type as MessageDescriptor;
    const packageName = service.split(".").slice(0, -1).join(".");
    return fieldsOfDescriptor(type, packageName ? `${packageName}.${type.name ?? ""}` : (type.name ?? ""));
  }

  /**
   * A command-line argument as the message field `field` takes it: a scalar from its text, a message, list or map
   * from JSON (see the module doc). Throws an {@link ArgumentError} naming `where` when it does not fit.
   */
  fromText(text: string, field: ReflectedField, where: string): unknown {
    if (field.mapValue || field.repeated || (field.type === "TYPE_MESSAGE" && !this.#isTimestamp(field))) {
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch {
        throw new ArgumentError(where, this.#expected(field), text);
      }
      return this.toWire(value, field, where);
    }
    return this.#scalar(text, field, where, true);
  }

  /**
   * A JSON value as the message field `field` takes it; `where` names it in errors (e.g. `setting.labels`). Throws
   * an {@link ArgumentError} when it does not fit.
   */
  toWire(value: unknown, field: ReflectedField, where: string): unknown {
    if (field.mapValue) {
      if (!isPlainObject(value)) throw new ArgumentError(where, this.#expected(field), value);
      const valueField = field.mapValue;
      return Object.entries(value).map(([key, item]) => ({ key, value: this.toWire(item, valueField, `${where}.${key}`) }));
    }
    if (field.repeated) {
      if (!Array.isArray(value)) throw new ArgumentError(where, this.#expected(field), value);
      const item = { ...field, repeated: false };
      return value.map((one, i) => this.toWire(one, item, `${where}[${i}]`));
    }
    if (field.type !== "TYPE_MESSAGE" || (typeof value === "string" && this.#isTimestamp(field))) return this.#scalar(value, field, where, false);
    const fields = this.#fieldsOfType(field);
    if (!isPlainObject(value)) throw new ArgumentError(where, this.#expected(field), value);
    if (!fields) return value;
    const known = new Set(fields.map((f) => f.name));
    const unknown = Object.keys(value).find((key) => !known.has(key));
    if (unknown !== undefined) {
      const type = field.typeName?.split(".").pop() ?? "the message";
      throw new ArgumentError(`${where}.${unknown}`, `a field of ${type} (${[...known].join(", ") || "none"})`, unknown);
    }
    const message: Record<string, unknown> = {};
    for (const inner of fields) {
      const item = value[inner.name];
      if (item !== undefined && item !== null) message[inner.name] = this.toWire(item, inner, `${where}.${inner.name}`);
    }
    return message;
  }

  /**
   * A scalar, enum or Timestamp value: from the command line's text (`fromText`) or from JSON. Numbers given as
   * text follow the same rules either way.
   */
  #scalar(value: unknown, field: ReflectedField, where: string, fromText: boolean): unknown {
    const type = field.type ?? "";
    const fail = (): never => {
      throw new ArgumentError(where, this.#expected(field), value);
    };
    if (type === "TYPE_DOUBLE" || type === "TYPE_FLOAT") {
      let number: number;
      if (typeof value === "number" && !fromText) number = value;
      else if (typeof value !== "string") return fail();
      else if (value === "NaN" || value === "Infinity" || value === "-Infinity") return Number(value);
      else if (DECIMAL.test(value)) number = Number(value);
      else return fail();
      if (!Number.isFinite(number) || (type === "TYPE_FLOAT" && Math.abs(number) > FLOAT_MAX)) return fail();
      return number;
    }
    const integer = INTEGERS[type];
    if (integer) {
      let exact: bigint;
      if (typeof value === "number" && !fromText) {
        // A JSON number beyond 2^53 has already lost digits: it must come as a string.
        if (!Number.isSafeInteger(value)) return fail();
        exact = BigInt(value);
      } else if (typeof value === "string" && INTEGER.test(value)) exact = BigInt(value);
      else return fail();
      if (exact < integer.min || exact > integer.max) return fail();
      return integer.wide ? exact.toString() : Number(exact);
    }
    switch (type) {
      case "TYPE_BOOL":
        if (fromText ? value === "true" || value === "false" : typeof value === "boolean") return fromText ? value === "true" : value;
        return fail();
      case "TYPE_STRING":
        return typeof value === "string" ? value : fail();
      case "TYPE_BYTES":
        return typeof value === "string" && BASE64.test(value) ? Buffer.from(value, "base64") : fail();
      case "TYPE_ENUM":
        return typeof value === "string" && this.#enumNames(field)?.includes(value) !== false ? value : fail();
      case "TYPE_MESSAGE": {
        // A Timestamp (other messages come as JSON).
        if (typeof value !== "string" || !ISO_8601.test(value)) return fail();
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) return fail();
        const seconds = Math.floor(ms / 1000);
        return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
      }
      default:
        return value; // a type this version does not know: protobufjs checks it when encoding
    }
  }

  /** What `field` takes, for errors: "a double", "an int32 (an integer from ... to ...)", "one of A, B". */
  #expected(field: ReflectedField): string {
    if (field.mapValue) return `a JSON object such as {"a": 1}`;
    if (field.repeated) return "a JSON list such as [1, 2]";
    const type = field.type ?? "";
    const integer = INTEGERS[type];
    if (integer) return `${integer.name} (an integer from ${integer.min} to ${integer.max})`;
    switch (type) {
      case "TYPE_DOUBLE":
        return "a double";
      case "TYPE_FLOAT":
        return `a float (a number within ±3.4028235e38)`;
      case "TYPE_BOOL":
        return "true or false";
      case "TYPE_STRING":
        return "a string";
      case "TYPE_BYTES":
        return "bytes as base64";
      case "TYPE_ENUM": {
        const names = this.#enumNames(field);
        return names ? `one of ${names.join(", ")}` : "an enum name";
      }
      case "TYPE_MESSAGE":
        if (this.#isTimestamp(field)) return "an ISO 8601 date such as 2026-01-02T03:04:05Z";
        return `a JSON object (${field.typeName?.split(".").pop() ?? "a message"})`;
      default:
        return type.replace(/^TYPE_/, "").toLowerCase();
    }
  }

  /** The names of the enum type of `field`, leaving out its `*_UNSPECIFIED` value 0; undefined when not found. */
  #enumNames(field: ReflectedField): string[] | undefined {
    const found = this.#lookup(field, "Protocol Buffer 3 EnumDescriptorProto");
    if (!found) return undefined;
    return ((found.type as EnumDescriptor).value ?? []).filter((v) => !(v.number === 0 && v.name.endsWith("_UNSPECIFIED"))).map((v) => v.name);
  }

  /** A value of the message field `field` as decoded, with its maps (at any depth) as objects. */
  fromWire(value: unknown, field: ReflectedField | undefined): unknown {
    if (!field) return value;
    if (field.mapValue && Array.isArray(value)) {
      const valueField = field.mapValue;
      return Object.fromEntries((value as { key: unknown; value: unknown }[]).map((entry) => [String(entry.key), this.fromWire(entry.value, valueField)]));
    }
    if (field.repeated && Array.isArray(value)) {
      const item = { ...field, repeated: false };
      return value.map((one) => this.fromWire(one, item));
    }
    const fields = isPlainObject(value) && !this.#isTimestamp(field) ? this.#fieldsOfType(field) : undefined;
    if (!fields) return value;
    const message = { ...(value as Record<string, unknown>) };
    for (const inner of fields) if (inner.name in message) message[inner.name] = this.fromWire(message[inner.name], inner);
    return message;
  }

  #isTimestamp(field: ReflectedField): boolean {
    return field.typeName !== undefined && (this.#resolve(field)?.fullName ?? field.typeName.replace(/^\./, "")) === TIMESTAMP;
  }

  /** The fields of the message type of `field`, or undefined for an enum, a scalar or an unknown type. */
  #fieldsOfType(field: ReflectedField): ReflectedField[] | undefined {
    const found = this.#resolve(field);
    return found ? fieldsOfDescriptor(found.type, found.fullName) : undefined;
  }

  /** The message type `field.typeName` names, looked up as protobuf scopes names: innermost scope first. */
  #resolve(field: ReflectedField): { readonly fullName: string; readonly type: MessageDescriptor } | undefined {
    const found = this.#lookup(field, "Protocol Buffer 3 DescriptorProto");
    return found && { fullName: found.fullName, type: found.type as MessageDescriptor };
  }

  /** The message or enum type (`format`) `field.typeName` names, looked up from the innermost scope out. */
  #lookup(field: ReflectedField, format: string): { readonly fullName: string; readonly type: unknown } | undefined {
    const typeName = field.typeName;
    if (!typeName) return undefined;
    const candidates = typeName.startsWith(".") ? [typeName.slice(1)] : scopesOf(field.scope).map((scope) => (scope ? `${scope}.${typeName}` : typeName));
    for (const fullName of candidates) {
      const found = this.definitions[fullName];
      if (found && "format" in found && found.format === format) return { fullName, type: found.type };
    }
    return undefined;
  }
}

/** `a.b.C`, `a.b`, `a`, then the root (""). */
function scopesOf(name: string): string[] {
  const parts = name ? name.split(".") : [];
  return parts.map((_, i) => parts.slice(0, parts.length - i).join(".")).concat("");
}

/** The fields of the message `fullName`, in field-number order, each map field with its entries' value field. */
function fieldsOfDescriptor(type: MessageDescriptor, fullName: string): ReflectedField[] {
  const entries = new Map((type.nestedType ?? []).filter((n) => n.options?.mapEntry === true).map((n) => [n.name, n]));
  return [...(type.field ?? [])]
    .sort((a, b) => a.number - b.number)
    .map((f) => {
      const repeated = f.label === "LABEL_REPEATED";
      const entry = repeated ? entries.get((f.typeName ?? "").split(".").pop()!) : undefined;
      const value = entry?.field?.find((e) => e.number === 2);
      return {
        name: f.name,
        number: f.number,
        type: f.type,
        typeName: f.typeName || undefined,
        scope: fullName,
        repeated,
        // The entry type is nested in this message: its value field's type is named from the entry's scope.
        mapValue: value && entry ? fieldsOfDescriptor({ field: [value] }, `${fullName}.${entry.name}`)[0] : undefined,
      };
    });
}
