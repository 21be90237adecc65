/**
 * QMI-style transport descriptors: `scheme:positional:...:key=value:...`, checked against the scheme's spec.
 * A part in square brackets may contain colons (an IPv6 address: `tcp:[::1]:5025`); the brackets are not part of
 * its value.
 *
 * ```ts
 * parseDescriptor("serial:/dev/ttyUSB0:baudrate=115200", serialSpec).values.get("baudrate") // 115200
 * parseDescriptor("tcp:10.0.0.5", tcpSpec, { port: 5025 }).values.get("port")              // 5025, a driver default
 * ```
 *
 * Every error says which part of which descriptor is wrong, what was expected, and shows a valid example.
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";

/** The type of one descriptor value. */
export type AttributeKind = "string" | "integer" | "number" | "boolean" | { readonly oneOf: readonly string[] };

/** A value after parsing. */
export type AttributeValue = string | number | boolean;

/** One positional part or `key=value` attribute of a descriptor. */
export interface AttributeSpec {
  /** Name (lower case), as written before `=`. */
  readonly name: string;
  readonly kind: AttributeKind;
  /** Must be present (after driver defaults). */
  readonly required?: boolean;
  /** Inclusive bounds of a numeric value. */
  readonly min?: number;
  readonly max?: number;
}

/** What a scheme accepts. */
export interface DescriptorSpec {
  /** The scheme, e.g. `tcp`. */
  readonly scheme: string;
  /** Parts without `=`, in order (e.g. host then port). */
  readonly positional: readonly AttributeSpec[];
  /** `key=value` parts, any order. Positional parts may also be written as `key=value`. */
  readonly attributes: readonly AttributeSpec[];
  /** A valid descriptor, shown in error messages. */
  readonly example: string;
}

/** A descriptor checked against its spec. */
export interface ParsedDescriptor {
  /** The descriptor as written. */
  readonly text: string;
  readonly scheme: string;
  /** Values by name, after defaults; absent optional values are missing. */
  readonly values: ReadonlyMap<string, AttributeValue>;
}

/** Driver-supplied defaults by attribute name (e.g. `{ port: 5025, baudrate: 57600 }`); names a scheme lacks are ignored. */
export type DescriptorDefaults = Readonly<Record<string, AttributeValue>>;

/** The scheme of a descriptor (text before the first `:`), lower-cased. */
export function descriptorScheme(text: string): string {
  const colon = text.indexOf(":");
  return (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
}

/** Parses `text` against `spec`, filling in `defaults`; throws {@link InvalidArgumentError} on any problem. */
export function parseDescriptor(text: string, spec: DescriptorSpec, defaults: DescriptorDefaults = {}): ParsedDescriptor {
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(
      `Bad transport descriptor ${JSON.stringify(text)}: ${problem}. Example of a valid descriptor: ${spec.example}`,
    );
  };
  const [scheme = "", ...parts] = splitParts(text, fail);
  if (scheme.trim().toLowerCase() !== spec.scheme) fail(`expected the scheme ${spec.scheme}:`);
  const all = [...spec.positional, ...spec.attributes];
  const raw = new Map<string, string>();
  let position = 0;
  for (const part of parts) {
    if (part.trim() === "") continue; // "loop:" and trailing colons
    const eq = part.indexOf("=");
    if (eq < 0) {
      const attr = spec.positional[position++];
      if (!attr) {
        fail(
          spec.positional.length === 0
            ? `unexpected part ${JSON.stringify(part)}; every part after "${spec.scheme}:" is key=value`
            : `unexpected part ${JSON.stringify(part)} after ${spec.positional.map((p) => p.name).join(", ")}`,
        );
      } else raw.set(attr.name, part);
      continue;
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const attr = all.find((a) => a.name === key);
    if (!attr) fail(`unknown attribute ${JSON.stringify(key)}; ${spec.scheme} accepts ${all.map((a) => a.name).join(", ")}`);
    if (raw.has(key)) fail(`attribute ${key} is given twice`);
    raw.set(key, part.slice(eq + 1));
  }
  const values = new Map<string, AttributeValue>();
  for (const attr of all) {
    const given = raw.get(attr.name);
    if (given === undefined) {
      const fallback = defaults[attr.name];
      if (fallback !== undefined) values.set(attr.name, fallback);
      else if (attr.required) fail(`${attr.name} is missing`);
      continue;
    }
    values.set(attr.name, convert(attr, given, fail));
  }
  return { text, scheme: spec.scheme, values };
}

/** `text` split at the colons outside square brackets; a part (or `key=` value) in brackets loses them. */
function splitParts(text: string, fail: (problem: string) => never): string[] {
  const parts: string[] = [];
  let current = "";
  let bracketed = false;
  for (const char of text) {
    if (char === "[" && !bracketed) bracketed = true;
    else if (char === "]" && bracketed) bracketed = false;
    else if (char === ":" && !bracketed) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (bracketed) fail("a [ is not closed");
  parts.push(current);
  return parts.map((part) => part.replace(/^(\s*(?:[^=[]*=)?)\[([^\]]*)\](\s*)$/, "$1$2$3"));
}

function convert(attr: AttributeSpec, given: string, fail: (problem: string) => never): AttributeValue {
  const value = given.trim();
  const bad = (expected: string): never => fail(`${attr.name}=${JSON.stringify(given)} is not ${expected}`);
  const kind = attr.kind;
  if (kind === "string") return value.length > 0 ? value : bad("a non-empty string");
  if (kind === "boolean") {
    const lower = value.toLowerCase();
    if (["1", "true", "yes", "on"].includes(lower)) return true;
    if (["0", "false", "no", "off"].includes(lower)) return false;
    return bad("a boolean (true/false, 1/0)");
  }
  if (typeof kind === "object") {
    const match = kind.oneOf.find((option) => option.toLowerCase() === value.toLowerCase());
    return match ?? bad(`one of ${kind.oneOf.join(", ")}`);
  }
  const range = attr.min !== undefined && attr.max !== undefined ? ` in [${attr.min}, ${attr.max}]` : "";
  const number = kind === "integer" ? parseInteger(value) : value === "" ? NaN : Number(value);
  if (!Number.isFinite(number)) return bad(kind === "integer" ? `an integer${range} (decimal or 0x hex)` : `a number${range}`);
  if ((attr.min !== undefined && number < attr.min) || (attr.max !== undefined && number > attr.max)) {
    return bad(`${kind === "integer" ? "an integer" : "a number"}${range}`);
  }
  return number;
}

function parseInteger(value: string): number {
  if (/^0x[0-9a-f]+$/i.test(value)) return parseInt(value.slice(2), 16);
  if (/^[+-]?\d+$/.test(value)) return parseInt(value, 10);
  return NaN;
}

/** A value of a parsed descriptor as a string (the caller's spec guarantees the kind). */
export function stringValue(descriptor: ParsedDescriptor, name: string): string | undefined {
  const value = descriptor.values.get(name);
  return value === undefined ? undefined : String(value);
}

/** A numeric value of a parsed descriptor. */
export function numberValue(descriptor: ParsedDescriptor, name: string): number | undefined {
  const value = descriptor.values.get(name);
  return typeof value === "number" ? value : value === undefined ? undefined : Number(value);
}

/** A boolean value of a parsed descriptor. */
export function booleanValue(descriptor: ParsedDescriptor, name: string): boolean | undefined {
  const value = descriptor.values.get(name);
  return value === undefined ? undefined : value === true;
}
