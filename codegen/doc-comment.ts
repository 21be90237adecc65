/**
 * TSDoc comments, read from the source as written and split into the parts the emitters need. Marker tag lines
 * (`@rpcMethod ...`, see `member-marker.ts`) are left out.
 *
 * @module
 */
import { Node } from "ts-morph";
import { markerTagLine } from "./member-marker.ts";

/** A parsed TSDoc comment. */
export interface DocComment {
  /** Every line as written, without the comment markers (used for proxies). */
  readonly lines: readonly string[];
  /** The lines before the first block tag (used for `.proto` method comments). */
  readonly summary: readonly string[];
  /** `@param` texts by parameter name, one entry per line. */
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** `@returns` text, one entry per line. */
  readonly returns: readonly string[];
  /** The lines without `@param` blocks (used for descriptor docs). */
  readonly withoutParams: readonly string[];
}

const blockTag = /^@([A-Za-z]+)\b/;

/** The last TSDoc comment attached to `node`, or undefined when it has none. */
export function readDocComment(node: Node): DocComment | undefined {
  if (!Node.isJSDocable(node)) return undefined;
  const docs = node.getJsDocs();
  const last = docs[docs.length - 1];
  if (!last) return undefined;
  return parseDocComment(last.getText());
}

/** Parses the text of a `/** ... *\/` comment. */
export function parseDocComment(text: string): DocComment | undefined {
  const body = text.replace(/^\/\*\*/, "").replace(/\*\/$/, "");
  const lines = body
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? line.trim() : line.replace(/^\s*\* ?/, "").trimEnd()))
    // Marker tags (`@rpcMethod requiresOpen=false`) are for the scanner, not for the generated docs.
    .filter((line) => !markerTagLine.test(line));
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) return undefined;

  // Tags written inline after text ("Set it. @param x - ...") start their own logical line.
  const logical: string[] = [];
  for (const line of lines) logical.push(...line.split(/\s+(?=@(?:param|returns?)\b)/));

  const summary: string[] = [];
  const params = new Map<string, string[]>();
  const returns: string[] = [];
  const withoutParams: string[] = [];
  let current: string[] | undefined = summary;
  let inParam = false;
  for (const line of logical) {
    const tag = blockTag.exec(line)?.[1];
    if (tag !== undefined) {
      inParam = tag === "param";
      if (tag === "param") {
        const m = /^@param\s+(?:\{[^}]*\}\s*)?([A-Za-z_$][\w$]*)\s*(?:-\s*)?(.*)$/.exec(line);
        current = [];
        if (m) {
          params.set(m[1]!, current);
          if (m[2]) current.push(m[2]);
        }
      } else if (tag === "returns" || tag === "return") {
        current = returns;
        const rest = line.replace(/^@returns?\s*/, "");
        if (rest) returns.push(rest);
      } else {
        current = undefined;
      }
    } else if (current !== undefined && !(current === summary && summary.length === 0 && line === "")) {
      current.push(current === summary ? line : line.trim());
    }
    if (!inParam) withoutParams.push(line);
  }
  trimTrailingEmpty(summary);
  for (const texts of params.values()) trimTrailingEmpty(texts);
  trimTrailingEmpty(returns);
  trimTrailingEmpty(withoutParams);
  return { lines, summary, params, returns, withoutParams };
}

function trimTrailingEmpty(lines: string[]): void {
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
}

/** Joins doc lines into one descriptor string, or undefined when there is no text. */
export function joinDoc(lines: readonly string[] | undefined): string | undefined {
  if (!lines || lines.length === 0) return undefined;
  return lines.join("\n");
}
