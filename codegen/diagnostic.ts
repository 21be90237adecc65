/**
 * Generator diagnostics: what went wrong, where, and what to write instead.
 *
 * The generator never falls back silently: every type it cannot map becomes a {@link Diagnostic} with a stable
 * code. All diagnostics of a run are collected, printed with {@link formatDiagnostic}, and the run fails with
 * their count.
 *
 * @module
 */
import * as path from "node:path";
import type { Node } from "ts-morph";

/** Stable diagnostic codes; never renumber, only add. */
export const DiagnosticCode = {
  /** `any` */
  Any: "QMI1001",
  /** `unknown` */
  Unknown: "QMI1002",
  /** A union that is neither string literals, an enum nor `T | undefined`. */
  MixedUnion: "QMI1003",
  /** A function type or a method in a message. */
  Function: "QMI1004",
  /** A tuple. */
  Tuple: "QMI1005",
  /** `Map<K, V>`. */
  Map: "QMI1006",
  /** `Set<T>`. */
  Set: "QMI1007",
  /** `null`. */
  Null: "QMI1008",
  /** `symbol`. */
  Symbol: "QMI1009",
  /** An array of arrays, or a record of arrays or records. */
  NestedCollection: "QMI1010",
  /** An optional array or record (proto3 has no optional repeated or map fields). */
  OptionalCollection: "QMI1011",
  /** An instance of a class. */
  ClassInstance: "QMI1012",
  /** An `@rpcMethod` whose name collides with a member of every proxy. */
  ReservedMethodName: "QMI1013",
  /** Two different types (or generated messages) with the same proto name. */
  NameCollision: "QMI1014",
  /** A record whose key is not `string`. */
  RecordKey: "QMI1015",
  /** A generic interface or type alias. */
  GenericType: "QMI1016",
  /** A `@signal` field that does not hold a `Signal<T>`. */
  BadSignal: "QMI1017",
  /** `undefined` where no optional field is possible (array elements, map values, signal payloads). */
  MisplacedUndefined: "QMI1018",
  /**
   * Two source modules mapping to one proto package and `.proto` file (their snake_case paths are equal), or a
   * module mapping to a package the installed qmi-ts already defines.
   */
  PackageCollision: "QMI1019",
  /** A service class whose base class (`extends ...`) the type checker cannot resolve. */
  UnresolvedBase: "QMI1020",
  /** An `@rpcMethod({ snapshot: true })` that takes parameters or returns nothing. */
  BadSnapshot: "QMI1021",
  /** Any other type the generator does not know. */
  Unsupported: "QMI1099",
} as const;

/** One of the {@link DiagnosticCode} values. */
export type DiagnosticCodeValue = (typeof DiagnosticCode)[keyof typeof DiagnosticCode];

/** A generator error tied to a place in the source. */
export interface Diagnostic {
  readonly code: DiagnosticCodeValue;
  /** Source file, relative to the project root, with `/` separators. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The offending source line, without its line break. */
  readonly sourceLine: string;
  /** Length of the offending text on {@link sourceLine} (at least 1). */
  readonly length: number;
  /** The offending type as written (or as the checker prints it). */
  readonly typeText: string;
  /** What went wrong. */
  readonly message: string;
  /** What to write instead. */
  readonly hint: string;
}

/** Builds a {@link Diagnostic} located at `node`. */
export function diagnosticAt(
  node: Node,
  projectRoot: string,
  fields: { code: DiagnosticCodeValue; typeText: string; message: string; hint: string },
): Diagnostic {
  const sourceFile = node.getSourceFile();
  const start = node.getStart();
  const { line, column } = sourceFile.getLineAndColumnAtPos(start);
  const sourceLine = sourceFile.getFullText().split(/\r?\n/)[line - 1] ?? "";
  const firstLineOfNode = node.getText().split(/\r?\n/)[0] ?? "";
  return {
    ...fields,
    file: path.relative(projectRoot, sourceFile.getFilePath()).split(path.sep).join("/"),
    line,
    column,
    sourceLine,
    length: Math.max(1, Math.min(firstLineOfNode.length, sourceLine.length - (column - 1))),
  };
}

/**
 * Formats a diagnostic like the TypeScript compiler does:
 *
 * ```text
 * drivers/acme/meter.ts:12:34 - error QMI1001: Parameter `value` of `setValue` has type `any`, which has no protobuf equivalent.
 *   12 |   async setValue(value: any): Promise<void> {}
 *      |                         ^^^
 *   Write a concrete type instead, e.g. `number`, `string` or an interface.
 * ```
 */
export function formatDiagnostic(d: Diagnostic): string {
  const gutter = String(d.line);
  const pad = " ".repeat(gutter.length);
  const marker = " ".repeat(d.column - 1) + "^".repeat(d.length);
  return [
    `${d.file}:${d.line}:${d.column} - error ${d.code}: ${d.message}`,
    `  ${gutter} | ${d.sourceLine}`,
    `  ${pad} | ${marker}`.trimEnd(),
    `  ${d.hint}`,
  ].join("\n");
}

/** Sorts diagnostics by file, position and code, so output is deterministic. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
