/**
 * Turns schema issues into sentences: `<key path>: expected <what>, found <value>`.
 *
 * @module
 */
import type { z } from "zod";

/** `contexts.instr_server.connect_to_peers[0]`; `the top level` for the root. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "the top level";
}

/** A short rendering of a value found in the file. */
export function describeFound(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  const json = JSON.stringify(value) ?? String(value);
  const short = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  if (Array.isArray(value)) return `the list ${short}`;
  if (typeof value === "object" && value !== null) return `the object ${short}`;
  return short;
}

/** One sentence per problem, in the order of the issues. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
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
      lines.push(`${keyPath(issue.path)}: expected ${issue.message}, found ${describeFound(issue.input)}`);
    }
  }
  return lines;
}
