/**
 * Values between the page and a method, read through the method's descriptor: what a form may type for each
 * parameter ({@link paramInfo}), the typed value a form's text stands for ({@link readArgument}, checked before any
 * call is made), a result as JSON ({@link resultJson}) and the plottable numbers of a signal ({@link numericFields},
 * {@link readNumbers}).
 *
 * @module
 */
import { InvalidArgumentError } from "../../runtime/protocol/errors.ts";
import type { FieldDescriptor, ServiceDescriptor, TypeDescriptor, TypedArrayName } from "../../runtime/protocol/service-descriptor.ts";
import { tsTypeText } from "../../runtime/protocol/type-text.ts";
import type { InputKind, ParamInfo } from "../api.ts";

/** The longest list a result shows; the rest is counted. */
const MAX_RESULT_ITEMS = 1000;
/** How deep messages and lists may nest in an argument or a signal's fields. */
const MAX_DEPTH = 16;

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** What a double or float parameter may be besides a decimal number. */
const NUMBER_WORDS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };
/** A decimal number: sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The element ranges of the typed arrays narrower than their wire type. */
const NARROW_RANGES: Partial<Record<TypedArrayName, readonly [number, number]>> = {
  Int8Array: [-128, 127],
  Int16Array: [-32768, 32767],
  Uint16Array: [0, 65535],
};

const TYPED_ARRAYS: Readonly<Record<TypedArrayName, { new (values: ArrayLike<number> & ArrayLike<bigint>): ArrayLike<unknown> }>> = {
  Float64Array: Float64Array as never,
  Float32Array: Float32Array as never,
  Int32Array: Int32Array as never,
  Uint32Array: Uint32Array as never,
  Int16Array: Int16Array as never,
  Uint16Array: Uint16Array as never,
  Int8Array: Int8Array as never,
  BigInt64Array: BigInt64Array as never,
  BigUint64Array: BigUint64Array as never,
};

/** How the page should ask for a parameter of type `type`. */
function inputKind(type: TypeDescriptor): InputKind {
  switch (type.kind) {
    case "scalar":
      if (type.proto === "double" || type.proto === "float") return "number";
      if (type.proto === "bool") return "boolean";
      if (type.proto === "string") return "string";
      if (type.proto === "bytes") return "bytes";
      return "integer";
    case "timestamp":
      return "date";
    case "enum":
      return "enum";
    default:
      return "json";
  }
}

/** The TypeScript spelling of `type` shown to a user, numbers of every kind as `number`. */
export function typeText(type: TypeDescriptor): string {
  return tsTypeText(type, { plainNumbers: true });
}

/** The form field of parameter `field` of a method of `service`. */
export function paramInfo(field: FieldDescriptor, service: ServiceDescriptor): ParamInfo {
  const input = inputKind(field.type);
  const info: ParamInfo = { name: field.name, input, type: typeText(field.type), optional: field.optional, doc: field.doc ?? "" };
  if (field.type.kind !== "enum") return info;
  const name = field.type.name;
  const values = service.enums.find((e) => e.name === name)?.values ?? [];
  return { ...info, choices: values.filter((v) => v.number !== 0 || !v.protoName.endsWith("_UNSPECIFIED")).map((v) => String(v.value)) };
}

/** The value parameter `field` takes from the text a form sent; an `InvalidArgumentError` naming it if it does not fit. */
export function readArgument(text: string, field: FieldDescriptor, service: ServiceDescriptor): unknown {
  const where = `parameter ${field.name}`;
  if (inputKind(field.type) !== "json") return fromText(text, field.type, service, where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${where}: expected JSON for ${typeText(field.type)}, ${(error as Error).message}`);
  }
  return fromJson(parsed, field.type, service, where, 0);
}

function refuse(where: string, type: TypeDescriptor, got: unknown): never {
  const shown = JSON.stringify(got) ?? String(got);
  throw new InvalidArgumentError(`${where}: expected ${typeText(type)}, got ${shown.length > 80 ? `${shown.slice(0, 80)}...` : shown}`);
}

/** A scalar, date or enum from text as typed. */
function fromText(text: string, type: TypeDescriptor, service: ServiceDescriptor, where: string): unknown {
  if (type.kind === "scalar") {
    switch (type.proto) {
      case "double":
      case "float": {
        const trimmed = text.trim();
        if (trimmed in NUMBER_WORDS) return NUMBER_WORDS[trimmed];
        // Decimal only (no 0x, 0b, 0o), and finite: a number too large for its type is refused, not made Infinity.
        const value = DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
        if (!Number.isFinite(value)) refuse(where, type, text);
        if (type.proto === "float" && !Number.isFinite(Math.fround(value))) refuse(where, type, text);
        return value;
      }
      case "bool":
        if (text !== "true" && text !== "false") refuse(where, type, text);
        return text === "true";
      case "string":
        return text;
      case "bytes":
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.trim()) || text.trim().length % 4 !== 0) refuse(where, type, text);
        return new Uint8Array(Buffer.from(text.trim(), "base64"));
      default:
        return integer(text.trim(), type, where);
    }
  }
  if (type.kind === "timestamp") {
    const trimmed = text.trim();
    const date = new Date(trimmed);
    const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(trimmed);
    if (!day || Number.isNaN(date.getTime())) refuse(where, type, text);
    // Date rolls an impossible day over (2024-02-30 is March 1st): refuse one the month does not have.
    const [year, month, dayOfMonth] = [Number(day[1]), Number(day[2]), Number(day[3])];
    if (new Date(Date.UTC(year, month - 1, dayOfMonth)).getUTCDate() !== dayOfMonth) refuse(where, type, text);
    return date;
  }
  if (type.kind === "enum") return enumValue(text, type.name, service, where, type);
  return refuse(where, type, text);
}

function integer(text: string, type: TypeDescriptor & { kind: "scalar" }, where: string): number | bigint {
  if (!/^[+-]?\d{1,20}$/.test(text)) refuse(where, type, text);
  const value = BigInt(text);
  const [low, high] = INTEGER_RANGES[type.proto]!;
  if (value < low || value > high) refuse(where, type, text);
  if (type.bigint) return value;
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) refuse(where, type, text);
  return Number(value);
}

function enumValue(given: unknown, name: string, service: ServiceDescriptor, where: string, type: TypeDescriptor): string | number {
  const values = service.enums.find((e) => e.name === name)?.values ?? [];
  const match = values.find((v) => String(v.value) === String(given) && !(v.number === 0 && v.protoName.endsWith("_UNSPECIFIED")));
  if (!match) {
    throw new InvalidArgumentError(`${where}: expected one of ${values.filter((v) => v.number !== 0).map((v) => String(v.value)).join(", ")} (${typeText(type)}), got ${JSON.stringify(given)}`);
  }
  return match.value;
}

/** Any value from parsed JSON (texts for 64-bit integers, dates and bytes), checked against `type`. */
function fromJson(value: unknown, type: TypeDescriptor, service: ServiceDescriptor, where: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new InvalidArgumentError(`${where}: nested more than ${MAX_DEPTH} levels`);
  switch (type.kind) {
    case "scalar":
      if (type.proto === "string" || type.proto === "bytes") return typeof value === "string" ? fromText(value, type, service, where) : refuse(where, type, value);
      if (type.proto === "bool") return typeof value === "boolean" ? value : refuse(where, type, value);
      if (typeof value === "number" && (type.proto === "double" || type.proto === "float")) {
        const number = fromText(String(value), type, service, where);
        return Object.is(value, -0) ? -0 : number;
      }
      // A JSON number beyond 2^53 has already lost digits: such integers must be written as text.
      if (typeof value === "number" && Number.isSafeInteger(value)) return integer(String(value), type, where);
      return typeof value === "string" ? fromText(value, type, service, where) : refuse(where, type, value);
    case "timestamp":
    case "enum":
      return typeof value === "string" || (type.kind === "enum" && typeof value === "number") ? fromText(String(value), type, service, where) : refuse(where, type, value);
    case "list": {
      if (!Array.isArray(value)) return refuse(where, type, value);
      const items = value.map((item, i) => fromJson(item, type.of, service, `${where}[${i}]`, depth + 1));
      if (!type.typed) return items;
      // The wire's element type is 32 bits wide: a narrower array would wrap a value silently (300 into 44).
      const range = NARROW_RANGES[type.typed];
      const outside = range ? items.findIndex((item) => (item as number) < range[0] || (item as number) > range[1]) : -1;
      if (range && outside >= 0) throw new InvalidArgumentError(`${where}[${outside}]: expected an element of ${type.typed} (${range[0]} to ${range[1]}), got ${String(items[outside])}`);
      return new TYPED_ARRAYS[type.typed](items as never);
    }
    case "map": {
      if (!isRecord(value)) return refuse(where, type, value);
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromJson(item, type.of, service, `${where}.${key}`, depth + 1)]));
    }
    case "message": {
      if (!isRecord(value)) return refuse(where, type, value);
      const message = service.messages.find((m) => m.name === type.name);
      const fields = message?.fields ?? [];
      const unknown = Object.keys(value).find((key) => !fields.some((f) => f.name === key));
      if (unknown !== undefined) throw new InvalidArgumentError(`${where}: ${type.name} has no field ${unknown} (fields: ${fields.map((f) => f.name).join(", ")})`);
      const result: Record<string, unknown> = {};
      for (const field of fields) {
        const item = value[field.name];
        if (item === undefined || item === null) {
          if (!field.optional) throw new InvalidArgumentError(`${where}.${field.name}: required (${typeText(field.type)})`);
          continue;
        }
        result[field.name] = fromJson(item, field.type, service, `${where}.${field.name}`, depth + 1);
      }
      return result;
    }
    case "void":
      return refuse(where, type, value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` as JSON for the page: 64-bit integers as text, bytes as base64, dates as ISO text, long lists cut short. */
export function resultJson(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return "...";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, 64 * 1024)).toString("base64");
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    const shown = items.slice(0, MAX_RESULT_ITEMS).map((item) => resultJson(item, depth + 1));
    return items.length > MAX_RESULT_ITEMS ? [...shown, `... ${items.length - MAX_RESULT_ITEMS} more`] : shown;
  }
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resultJson(item, depth + 1)]));
  return value;
}

/** The payload fields of a signal that can be plotted: `value` for a bare number, else paths such as `position.x`. */
export function numericFields(payload: TypeDescriptor, service: ServiceDescriptor): string[] {
  const fields: string[] = [];
  const visit = (type: TypeDescriptor, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (type.kind === "scalar" && type.proto !== "string" && type.proto !== "bytes") fields.push(path);
    else if (type.kind === "message") {
      for (const field of service.messages.find((m) => m.name === type.name)?.fields ?? []) {
        visit(field.type, path === "" ? field.name : `${path}.${field.name}`, depth + 1);
      }
    }
  };
  if (payload.kind === "message") visit(payload, "", 0);
  else visit(payload, "value", 0);
  return fields;
}

/** The numbers at `fields` of a signal's payload (`value` for a bare one); `null` where absent or not finite. */
export function readNumbers(payload: unknown, fields: readonly string[]): (number | null)[] {
  return fields.map((path) => {
    let value: unknown = payload;
    if (path !== "value" || isRecord(payload)) {
      for (const part of path.split(".")) value = isRecord(value) ? value[part] : undefined;
    }
    const number = typeof value === "bigint" ? Number(value) : typeof value === "boolean" ? Number(value) : value;
    return typeof number === "number" && Number.isFinite(number) ? number : null;
  });
}
