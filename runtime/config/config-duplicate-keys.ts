/**
 * Finds keys written twice in one object of a configuration file. JSON5 keeps the last of duplicate keys and
 * drops the first without a word, so a second `security: {...}` block would silently remove the first one's
 * token; the loader refuses such a file instead (see `config.ts`).
 *
 * ```ts
 * findDuplicateKeys(`{ security: { token: "…" }, "security": { max_message_bytes: 1048576 } }`);
 * // { duplicates: [{ path: ["security"], at: { line: 1, column: 29 }, first: { line: 1, column: 3 } }], total: 1 }
 * ```
 *
 * This is no parser: it runs on text that `JSON5.parse` has accepted (after the project's `#` comments became
 * `//`), and follows just enough of the JSON5 token grammar to see every object key as JSON5 reads it: strings
 * in either quote with every escape, unquoted identifier keys with `\uXXXX` escapes, `//`, `/* *\/` and `#`
 * comments. Keys are compared after decoding, so `"a"`, `'a'`, `a` and `"\u0061"` are the same key. It never
 * throws, on any text, and takes time linear in the text's length (key paths are built only for duplicates).
 *
 * @module
 */

/** Where a key is written: 1-based line and column (UTF-16 units, as JSON5's own syntax errors count them). */
interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** A key written again in the same object. */
export interface DuplicateKey {
  /** The key path of the repeated key, e.g. `["contexts", "a", "host"]`; array elements are numbers. */
  readonly path: readonly (string | number)[];
  /** Where it is written again. */
  readonly at: TextPosition;
  /** Where it is written first. */
  readonly first: TextPosition;
}

/** One key as the scanner read it. @internal */
interface ScannedKey extends TextPosition {
  /** The key after decoding escapes (what JSON5 makes of it). */
  readonly name: string;
}

/** An object of the text, as handed to a key visitor; its path is built only when asked for. @internal */
export interface ScannedObject {
  /** The key path of the object itself (`[]` for the top level). */
  path(): (string | number)[];
}

interface ObjectFrame extends ScannedObject {
  readonly kind: "object";
  readonly parent: Frame | undefined;
  readonly segment: string | number | undefined;
  /** True after `{` and `,`: the next string or identifier is a key. */
  expectKey: boolean;
  /** The key whose value is being read. */
  key: string;
  /** Keys seen so far; created when the second key comes. */
  seen: Map<string, TextPosition> | undefined;
  firstKey: ScannedKey | undefined;
}

interface ArrayFrame {
  readonly kind: "array";
  readonly parent: Frame | undefined;
  readonly segment: string | number | undefined;
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

/** What {@link findDuplicateKeys} found. */
interface DuplicateKeys {
  /** The first `limit` repeats, in text order. */
  readonly duplicates: readonly DuplicateKey[];
  /** How many repeats the text has in all. */
  readonly total: number;
}

/**
 * Every key written more than once in the same object, in the order of the repeats; the key paths of the first
 * `limit` only (a path costs the object's depth to build, and a message lists only a few).
 */
export function findDuplicateKeys(text: string, limit = 20): DuplicateKeys {
  const duplicates: DuplicateKey[] = [];
  let total = 0;
  visitKeys(text, (object, key) => {
    const frame = object as ObjectFrame;
    if (frame.firstKey === undefined) {
      frame.firstKey = key;
      return;
    }
    if (frame.seen === undefined) frame.seen = new Map([[frame.firstKey.name, frame.firstKey]]);
    const first = frame.seen.get(key.name);
    if (first === undefined) {
      frame.seen.set(key.name, key);
    } else if (total++ < limit) {
      duplicates.push({ path: [...frame.path(), key.name], at: pos(key), first: pos(first) });
    }
  });
  return { duplicates, total };
}

const pos = (p: TextPosition): TextPosition => ({ line: p.line, column: p.column });

/** What ends an unquoted key: whitespace (`\s` is JSON5's whitespace and line terminators), punctuators, comments. */
const IDENTIFIER_END = /[\s:,{}[\]"'/#]/;

/** Calls `visit` for every key of every object in `text`, in text order. @internal */
export function visitKeys(text: string, visit: (object: ScannedObject, key: ScannedKey) => void): void {
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let top: Frame | undefined;

  const newlinesUpTo = (end: number): void => {
    for (let j = text.indexOf("\n", i); j !== -1 && j < end; j = text.indexOf("\n", j + 1)) {
      line++;
      lineStart = j + 1;
    }
  };
  const skipToLineEnd = (): void => {
    while (i < n && !isLineTerminator(text.charCodeAt(i))) i++;
  };
  /** Reads the string starting at `i` (a quote); its value when `decode`, else "". */
  const readString = (decode: boolean): string => {
    const quote = text.charCodeAt(i++);
    let value = "";
    let run = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === quote || c === LF || c === CR) {
        // A raw line break ends it too: invalid JSON5, and where hashCommentsToSlashes resumes as well.
        if (decode) value += text.slice(run, i);
        if (c === quote) i++;
        return value;
      }
      if (c !== BACKSLASH) {
        i++;
        continue;
      }
      if (decode) value += text.slice(run, i);
      const escaped = text[i + 1];
      i += 2;
      if (escaped === "\n") {
        line++;
        lineStart = i;
      } else if (escaped === "\r") {
        if (text[i] === "\n") {
          i++;
          line++;
          lineStart = i;
        }
      } else if (escaped === "x" || escaped === "u") {
        const digits = escaped === "x" ? 2 : 4;
        if (decode) value += hexChar(text.slice(i, i + digits));
        i += digits;
      } else if (decode && escaped !== undefined && escaped !== "\u2028" && escaped !== "\u2029") {
        value += SIMPLE_ESCAPES[escaped] ?? escaped;
      }
      i = Math.min(i, n);
      run = i;
    }
    if (decode) value += text.slice(run, n);
    return value;
  };
  const readIdentifier = (): string => {
    const start = i;
    while (i < n && !IDENTIFIER_END.test(text[i]!)) i++;
    return text.slice(start, i).replace(/\\u([0-9A-Fa-f]{4})/g, (_, hex: string) => hexChar(hex));
  };
  const readKey = (frame: ObjectFrame, name: () => string): void => {
    const at = { line, column: i - lineStart + 1 };
    const key = name();
    frame.key = key;
    frame.expectKey = false;
    visit(frame, { name: key, ...at });
  };
  /** The path segment of a value starting now inside `top`. */
  const segment = (): string | number | undefined =>
    top === undefined ? undefined : top.kind === "object" ? top.key : top.index;

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      i++;
      line++;
      lineStart = i;
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      skipToLineEnd();
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf("*/", i + 2);
      const end = close === -1 ? n : close + 2;
      newlinesUpTo(end);
      i = end;
    } else if (c === HASH) {
      skipToLineEnd();
    } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      if (top?.kind === "object" && top.expectKey) readKey(top, () => readString(true));
      else readString(false);
    } else if (c === OPEN_BRACE) {
      top = {
        kind: "object",
        parent: top,
        segment: segment(),
        expectKey: true,
        key: "",
        seen: undefined,
        firstKey: undefined,
        path: objectPath,
      };
      i++;
    } else if (c === OPEN_BRACKET) {
      top = { kind: "array", parent: top, segment: segment(), index: 0 };
      i++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      top = top?.parent;
      i++;
    } else if (c === COMMA) {
      if (top?.kind === "object") top.expectKey = true;
      else if (top?.kind === "array") top.index++;
      i++;
    } else if (c === COLON) {
      if (top?.kind === "object") top.expectKey = false;
      i++;
    } else if (top?.kind === "object" && top.expectKey && !IDENTIFIER_END.test(text[i]!)) {
      readKey(top, readIdentifier);
    } else {
      i++; // whitespace, or part of a number or literal
    }
  }
}

/** `ScannedObject.path` of an object frame (shared, so frames cost no closure). */
function objectPath(this: ObjectFrame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let frame: Frame | undefined = this; frame?.parent !== undefined; frame = frame.parent) path.push(frame.segment!);
  return path.reverse();
}

function isLineTerminator(c: number): boolean {
  return c === LF || c === CR || c === 0x2028 || c === 0x2029;
}

/** The character of a `\x` or `\u` escape's hex digits; nothing for digits JSON5 would have refused. */
function hexChar(hex: string): string {
  return /^[0-9A-Fa-f]+$/.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : "";
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "0": "\0" };

const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
