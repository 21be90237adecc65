/**
 * Turns schema issues and duplicate keys into sentences: `<key path>: expected <what>, found <value>`.
 *
 * @module
 */
import type { z } from "zod";
import type { DuplicateKey } from "./config-duplicate-keys.ts";

/** `contexts.instr_server.connect_to_peers[0]`; `the top level` for the root. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "the top level";
}

/** A short rendering of a value found in the file, as JSON5 writes it (`Infinity`, `NaN`, not `null`). */
function describeFound(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  const text = render(value, FOUND_CHARS + 1);
  const short = text.length > FOUND_CHARS ? `${text.slice(0, FOUND_CHARS - 3)}...` : text;
  if (Array.isArray(value)) return `the list ${short}`;
  if (typeof value === "object" && value !== null) return `the object ${short}`;
  return short;
}

const FOUND_CHARS = 60;

/**
 * JSON, except that non-finite numbers read as written; stops once `budget` characters are out, so that a deep or
 * huge value costs no more than that (JSON.stringify would recurse through all of it).
 */
function render(value: unknown, budget: number): string {
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? String(value);
  const list = Array.isArray(value);
  let out = list ? "[" : "{";
  for (const [key, item] of Object.entries(value)) {
    if (out.length >= budget) break;
    if (out.length > 1) out += ",";
    if (!list) out += `${JSON.stringify(key)}:`;
    out += render(item, budget - out.length);
  }
  return out + (list ? "]" : "}");
}

/** The value at `path` in `root`, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * One sentence per problem, in the order of the issues. `root` is the value checked: zod reports `null` as the
 * input of a non-finite number, so what was found is read there.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root?: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        lines.push(`${keyPath([...issue.path, key])}: unknown key; expected ${issue.message}`);
      }
    } else if (issue.code === "invalid_key") {
      const expected = issue.issues[0]?.message ?? issue.message;
      lines.push(`${keyPath(issue.path)}: expected the key to be ${expected}, found ${describeFound(issue.input)}`);
    } else {
      const found = issue.code === "invalid_type" && root !== undefined ? valueAt(root, issue.path) : issue.input;
      lines.push(`${keyPath(issue.path)}: expected ${issue.message}, found ${describeFound(found)}`);
    }
  }
  return lines;
}

/** The sentence for a key written twice in one object; its line and column lead the message (see `config.ts`). */
export function describeDuplicate(duplicate: DuplicateKey): string {
  const { line, column } = duplicate.first;
  return (
    `${keyPath(duplicate.path)}: expected each key once in an object, found it again (first at line ${line}, column ` +
    `${column}); merge the two, since JSON5 would silently keep only the last one`
  );
}
