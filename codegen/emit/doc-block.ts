/**
 * Renders doc lines as TSDoc blocks and as `.proto` comments.
 *
 * @module
 */

/** A TSDoc block at `indent`: one line `/** x *\/` or a multi-line block; empty string when there are no lines. */
export function tsDocBlock(lines: readonly string[], indent = ""): string {
  if (lines.length === 0) return "";
  const safe = lines.map((line) => line.replace(/\*\//g, "*\\/"));
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((line) => `${indent} *${line === "" ? "" : ` ${line}`}\n`).join("")}${indent} */\n`;
}

/** `//` comment lines at `indent`. */
export function protoComment(lines: readonly string[], indent = ""): string {
  return lines.map((line) => `${indent}//${line === "" ? "" : ` ${line}`}\n`).join("");
}

/** Splits a descriptor doc string into lines (none when undefined). */
export function docLines(doc: string | undefined): string[] {
  return doc === undefined ? [] : doc.split("\n");
}
