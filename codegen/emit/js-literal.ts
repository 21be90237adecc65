/**
 * Prints plain data (objects, arrays, strings, numbers, booleans) as a TypeScript literal, laid out the way
 * prettier does with `printWidth: 120`: a group stays on one line when it fits, else it breaks one entry per
 * line with trailing commas; an array of several objects with several keys always breaks.
 *
 * @module
 */

/** Data the printer accepts. `undefined` properties are omitted. */
export type LiteralValue =
  string | number | boolean | readonly LiteralValue[] | { readonly [key: string]: LiteralValue | undefined };

/** The line width generated TypeScript aims at. */
export const printWidth = 120;

/** A string literal, double-quoted unless that needs more escapes than single quotes (prettier's rule). */
export function quoteString(text: string): string {
  const doubles = (text.match(/"/g) ?? []).length;
  const singles = (text.match(/'/g) ?? []).length;
  const quote = doubles > singles ? "'" : '"';
  let out = "";
  for (const ch of text) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\u2028" || ch === "\u2029" || ch.charCodeAt(0) < 0x20)
      out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return quote + out + quote;
}

function entriesOf(value: { readonly [key: string]: LiteralValue | undefined }): [string, LiteralValue][] {
  return Object.entries(value).filter((e): e is [string, LiteralValue] => e[1] !== undefined);
}

function keyText(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quoteString(key);
}

function isObject(value: LiteralValue): value is { readonly [key: string]: LiteralValue | undefined } {
  return typeof value === "object" && !Array.isArray(value);
}

function mustBreak(value: LiteralValue): boolean {
  if (!Array.isArray(value)) return false;
  const items = value as readonly LiteralValue[];
  return (
    items.length > 1 &&
    items.every((item) =>
      isObject(item) ? entriesOf(item).length > 1 : Array.isArray(item) && (item as readonly LiteralValue[]).length > 1,
    )
  );
}

/** The one-line form, or undefined when the value (or a part of it) must break. */
function flat(value: LiteralValue): string | undefined {
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (mustBreak(value)) return undefined;
  if (Array.isArray(value)) {
    const parts = (value as readonly LiteralValue[]).map(flat);
    return parts.includes(undefined) ? undefined : `[${parts.join(", ")}]`;
  }
  const entries = entriesOf(value as { readonly [key: string]: LiteralValue | undefined });
  if (entries.length === 0) return "{}";
  const parts = entries.map(([k, v]) => {
    const text = flat(v);
    return text === undefined ? undefined : `${keyText(k)}: ${text}`;
  });
  return parts.includes(undefined) ? undefined : `{ ${parts.join(", ")} }`;
}

function width(text: string): number {
  return [...text].length;
}

/**
 * Prints `value` starting at column `column` (0-based, after its indentation `indent` and any prefix such as a
 * key), followed on the same line by `tailWidth` characters (e.g. a comma).
 */
export function printLiteral(value: LiteralValue, indent = 0, column = indent, tailWidth = 0): string {
  const oneLine = flat(value);
  if (oneLine !== undefined && column + width(oneLine) + tailWidth <= printWidth) return oneLine;
  if (typeof value !== "object") return oneLine ?? String(value);
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    const items = value as readonly LiteralValue[];
    if (items.length === 0) return "[]";
    const lines = items.map((item) => `${pad}${printLiteral(item, indent + 2, indent + 2, 1)},\n`);
    return `[\n${lines.join("")}${" ".repeat(indent)}]`;
  }
  const entries = entriesOf(value as { readonly [key: string]: LiteralValue | undefined });
  if (entries.length === 0) return "{}";
  const lines = entries.map(([k, v]) => {
    const head = `${keyText(k)}: `;
    return `${pad}${head}${printLiteral(v, indent + 2, indent + 2 + width(head), 1)},\n`;
  });
  return `{\n${lines.join("")}${" ".repeat(indent)}}`;
}
