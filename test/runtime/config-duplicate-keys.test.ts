/**
 * The duplicate-key scanner, and `hashCommentsToSlashes` beside it, checked against JSON5 itself: generated
 * JSON5 documents (every key and string style, escapes, line continuations, `//`, `/* *\/` and `#` comments full
 * of quotes and braces, duplicate keys at any depth) must be read with exactly the keys, positions and paths
 * they were written with, and the same documents mutated at random must never make either throw.
 *
 * Bounded: QMI_FUZZ_RUNS (default 1000 documents per property), QMI_FUZZ_SEED (default fixed; printed on failure).
 */
import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import JSON5 from "json5";
import { findDuplicateKeys, visitKeys, type ScannedObject } from "../../runtime/config/config-duplicate-keys.ts";
import { hashCommentsToSlashes } from "../../runtime/config/config.ts";

const SEED = Number(process.env.QMI_FUZZ_SEED ?? 20_261_215);
const RUNS = Number(process.env.QMI_FUZZ_RUNS ?? 1000);

type Path = (string | number)[];

/** One key event: the object (numbered by first key), its path, the key, where it is written. */
interface KeyEvent {
  readonly object: number;
  readonly path: string;
  readonly name: string;
  readonly line: number;
  readonly column: number;
}

/** What the scanner reads from `text`. */
function scanned(text: string): KeyEvent[] {
  const ids = new Map<ScannedObject, number>();
  const events: KeyEvent[] = [];
  visitKeys(text, (object, key) => {
    if (!ids.has(object)) ids.set(object, ids.size);
    events.push({ object: ids.get(object)!, path: JSON.stringify(object.path()), name: key.name, line: key.line, column: key.column });
  });
  return events;
}

describe("findDuplicateKeys", () => {
  const paths = (text: string) => findDuplicateKeys(text).duplicates.map((d) => [d.path, d.at, d.first]);

  it("finds a key repeated at the top level, in any quotes or none, with its line and column and the first one's", () => {
    const text = `{\n  security: { token: "x" },\n  "security": {},\n  'security': {},\n}`;
    assert.deepEqual(paths(text), [
      [["security"], { line: 3, column: 3 }, { line: 2, column: 3 }],
      [["security"], { line: 4, column: 3 }, { line: 2, column: 3 }],
    ]);
    assert.equal(findDuplicateKeys(text).total, 2);
  });

  it("finds repeats nested and inside arrays of objects, with their key paths", () => {
    const text = `{ contexts: { a: { host: "h", tcp_server_port: 1, host: "i" } }, list: [{}, { x: [{ y: 1, "y": 2 }] }] }`;
    assert.deepEqual(
      findDuplicateKeys(text).duplicates.map((d) => d.path),
      [["contexts", "a", "host"], ["list", 1, "x", 0, "y"]],
    );
  });

  it("compares keys after decoding escapes, in strings and in identifiers", () => {
    assert.deepEqual(findDuplicateKeys(`{ a: 1, "\\u0061": 2, '\\x61': 3, \\u0061: 4 }`).total, 3);
    assert.deepEqual(findDuplicateKeys(`{ "a\\\nb": 1, ab: 2 }`).total, 1); // a line continuation is nothing
    assert.deepEqual(findDuplicateKeys(`{ "a\\tb": 1, "a\tb": 2, "a\\qb": 3, "aqb": 4 }`).total, 2);
  });

  it("does not take the same name in different objects, in values or in comments for a repeat", () => {
    const text = `{
      a: { a: "a: 1, a: 2" }, // a: 3, { a: 4 }
      b: [ { a: 1 }, { a: 2 } ], /* b: 5 */ # b: 6 "
      c: '{ c: 7 }',
    }`;
    assert.deepEqual(findDuplicateKeys(text), { duplicates: [], total: 0 });
  });

  it("counts lines across comments and line continuations, and CRLF files", () => {
    const text = `{\r\n  /* one\r\n two */ "x\\\r\ny": 1, # z\r\n  xy: 2\r\n}`;
    assert.deepEqual(paths(text), [[["xy"], { line: 5, column: 3 }, { line: 3, column: 9 }]]);
  });

  it("lists at most `limit` repeats but counts them all", () => {
    const text = `{ ${Array.from({ length: 30 }, () => "k: 1").join(", ")} }`;
    const found = findDuplicateKeys(text, 5);
    assert.equal(found.duplicates.length, 5);
    assert.equal(found.total, 29);
  });

  it("stays linear on deep nesting and many repeats", () => {
    const depth = 200_000;
    const text = `${"{a:".repeat(depth)}{${"k:1,".repeat(200_000)}}${"}".repeat(depth)}`;
    const started = performance.now();
    const found = findDuplicateKeys(text);
    assert.equal(found.total, 199_999);
    assert.equal(found.duplicates[0]!.path.length, depth + 1);
    assert.ok(performance.now() - started < 10_000, "took too long");
  });
});

describe("hashCommentsToSlashes", () => {
  it("turns # outside strings and comments into //, and leaves strings and comments alone", () => {
    assert.equal(hashCommentsToSlashes(`{a: "#", b: '#'} # c`), `{a: "#", b: '#'} // c`);
    assert.equal(hashCommentsToSlashes(`/* it's */ {w: 'lab#3'}`), `/* it's */ {w: 'lab#3'}`);
    assert.equal(hashCommentsToSlashes(`// it's\n{w: 'lab#3'} #x`), `// it's\n{w: 'lab#3'} //x`);
    assert.equal(hashCommentsToSlashes(`{w: 'a\\\r\n#'}`), `{w: 'a\\\r\n#'}`);
  });
});

/** A small deterministic generator of style choices, so that one seed is one document. */
function chooser(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Chooser = ReturnType<typeof chooser>;

/** Keys: plain, unicode, empty, JSON5 punctuation and comment starts, escapes-only, a prototype name. */
const KEYS = [
  "a", "b", "A", "$", "_x", "é", "π", "жж", "x\u200dy", "a b", "", "#", "//", "/*", "*/", "{", "}", "[", "]", ",",
  ":", "'", '"', "\\", "__proto__", "constructor", "0", "1.5", "😀", "\u2028", "a\nb", "\r", "\t", "\0", "x#",
];
const IDENTIFIER = /^[$_\p{ID_Start}][$_\u200c\u200d\p{ID_Continue}]*$/u;
const TRIVIA = [
  " ", "\n", "\r\n", "\t", "\u00a0", "\ufeff", "\u2028", "\u3000", "\v", "\f",
  "// ' \" # { , a: 1\n", "/* ' { # \n } \" */", "# it's \"x\" { // /* \n", "#\n", "#\r\n", "//\u2029", "/**/",
];
const LEAVES: readonly (readonly [string, unknown])[] = [
  ["0", 0], ["-1.5", -1.5], ["+Infinity", Infinity], ["-Infinity", -Infinity], ["NaN", NaN], ["0x1F", 31],
  [".5", 0.5], ["5.", 5], ["1e3", 1000], ["true", true], ["false", false], ["null", null],
];
const STRINGS = ["", "{", "}", "a: 1, a: 2", "# no comment", "// no", "/* no */", "'", '"', "\\", "\n", "😀", "\u2028"];
const SIMPLE: Record<string, string> = { "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v" };

/** `value` as a JSON5 string in `quote`, each character raw or escaped in one of the ways JSON5 reads. */
function quoted(value: string, quote: string, c: Chooser): string {
  let out = quote;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = ch.charCodeAt(0);
    if (c.chance(0.1)) out += c.pick(["\\\n", "\\\r\n", "\\\r", "\\\u2028", "\\\u2029"]); // line continuation
    const mustEscape = ch === quote || ch === "\\" || ch === "\n" || ch === "\r" || ch === "\u2028" || ch === "\u2029";
    if (!mustEscape && c.chance(0.6)) {
      out += ch;
      continue;
    }
    const forms = [`\\u${code.toString(16).padStart(4, "0")}`];
    if (code < 256) forms.push(`\\x${code.toString(16).padStart(2, "0")}`);
    if (SIMPLE[ch]) forms.push(`\\${SIMPLE[ch]}`);
    if (ch === "\0" && !/[0-9]/.test(value[i + 1] ?? "")) forms.push("\\0");
    if (!/[bfnrtvux0-9\n\r\u2028\u2029\ud800-\udfff]/.test(ch)) forms.push(`\\${ch}`); // JSON5's non-escape characters
    out += c.pick(forms);
  }
  return out + quote;
}

/** `name` as a JSON5 key: unquoted when it is an identifier (some characters as `\uXXXX`), else quoted. */
function keyText(name: string, c: Chooser): string {
  if (IDENTIFIER.test(name) && c.chance(0.5)) {
    return [...name].map((ch) => (ch.length === 1 && c.chance(0.2) ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}` : ch)).join("");
  }
  return quoted(name, c.pick(['"', "'"]), c);
}

/** The shape of a generated document; its styles come from `seed`. */
type Shape = { kind: "leaf"; pick: number } | { kind: "object"; keys: number[]; values: Shape[] } | { kind: "array"; items: Shape[] };

const shape = fc.letrec<{ node: Shape }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.nat().map((pick): Shape => ({ kind: "leaf", pick })),
    fc
      .array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), tie("node")), { maxLength: 5 })
      .map((entries): Shape => ({ kind: "object", keys: entries.map(([k]) => k), values: entries.map(([, v]) => v) })),
    fc.array(tie("node"), { maxLength: 4 }).map((items): Shape => ({ kind: "array", items })),
  ),
})).node;

/** A document with its text, the value JSON5 must read from it, and the keys written (with offsets). */
interface Document {
  readonly text: string;
  readonly value: unknown;
  readonly events: KeyEvent[];
}

function render(root: Shape, seed: number): Document {
  const c = chooser(seed);
  let text = "";
  const keys: { object: number; path: string; name: string; offset: number }[] = [];
  let objects = 0;
  const trivia = () => {
    let out = "";
    while (c.chance(0.35)) out += c.pick(TRIVIA);
    return out;
  };
  const emit = (node: Shape, path: Path): unknown => {
    if (node.kind === "leaf") {
      if (node.pick % 3 === 0) {
        const value = STRINGS[node.pick % STRINGS.length]!;
        text += quoted(value, c.pick(['"', "'"]), c);
        return value;
      }
      const [written, value] = LEAVES[node.pick % LEAVES.length]!;
      text += written;
      return value;
    }
    const list = node.kind === "array";
    const items = list ? node.items : node.values;
    const value: Record<string, unknown> | unknown[] = list ? [] : {};
    const object = objects;
    if (!list && items.length > 0) objects++;
    text += list ? "[" : "{";
    items.forEach((item, index) => {
      text += trivia();
      let segment: string | number = index;
      if (!list) {
        segment = KEYS[node.keys[index]!]!;
        keys.push({ object, path: JSON.stringify(path), name: segment, offset: text.length });
        text += `${keyText(segment, c)}${trivia()}:${trivia()}`;
      }
      const itemValue = emit(item, [...path, segment]);
      if (list) (value as unknown[]).push(itemValue);
      // As JSON5 does: defineProperty, so __proto__ is a key like any other and the last one wins.
      else Object.defineProperty(value, segment, { value: itemValue, writable: true, enumerable: true, configurable: true });
      text += trivia();
      if (index < items.length - 1 || c.chance(0.3)) text += `,`;
    });
    text += `${trivia()}${list ? "]" : "}"}`;
    return value;
  };
  text += trivia();
  const value = emit(root, []);
  text += trivia();
  const events = keys.map(({ offset, ...key }) => {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return { ...key, line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
  });
  return { text, value, events };
}

/** Repeats of a key within one object, counted from the keys written. */
function repeats(events: readonly KeyEvent[]): number {
  const seen = new Set<string>();
  for (const event of events) seen.add(`${event.object}\u0000${event.name}`);
  return events.length - seen.size;
}

const documents = fc.tuple(fc.oneof(shape, shape.filter((s) => s.kind === "object")), fc.integer());

describe("visitKeys and hashCommentsToSlashes against JSON5.parse", () => {
  it("read every generated document with the keys, positions and paths it was written with", () => {
    fc.assert(
      fc.property(documents, ([root, seed]) => {
        const doc = render(root, seed);
        assert.deepStrictEqual(JSON5.parse(hashCommentsToSlashes(doc.text)), doc.value, "the generator wrote what JSON5 reads");
        assert.deepStrictEqual(scanned(doc.text), doc.events);
        assert.equal(findDuplicateKeys(doc.text).total, repeats(doc.events));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("never throw on a mutated document, and agree with JSON5 on the keys of every one it accepts", () => {
    mock.method(console, "warn", () => {}); // JSON5 warns of a raw U+2028 in a string; the mutations write some
    const mutation = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom("", "#", "/", "*", "\\", '"', "'", "\n", "\r", "{", "}", ":", ",", "a", "\u2028"));
    fc.assert(
      fc.property(documents, fc.array(mutation, { minLength: 1, maxLength: 3 }), ([root, seed], edits) => {
        let text = render(root, seed).text;
        for (const [at, cut, insert] of edits) {
          const i = text.length === 0 ? 0 : at % text.length;
          text = text.slice(0, i) + insert + text.slice(i + cut);
        }
        const found = findDuplicateKeys(text);
        let value: unknown;
        try {
          value = JSON5.parse(hashCommentsToSlashes(text));
        } catch {
          return;
        }
        if (found.total > 0) return; // objects at a repeated key share a path: nothing left to compare by path
        assert.deepStrictEqual(keysByPath(scanned(text)), keysByPathOf(value));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("never throw on any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        findDuplicateKeys(text);
        hashCommentsToSlashes(text);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

/** The sorted keys of each object that has any, by path, as the scanner read them. */
function keysByPath(events: readonly KeyEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { path, name } of events) out.set(path, [...(out.get(path) ?? []), name]);
  for (const [path, names] of out) out.set(path, names.sort());
  return out;
}

/** The same, from a parsed value. */
function keysByPathOf(root: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (value: unknown, path: Path) => {
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...path, i]));
    const names = Object.keys(value);
    if (names.length > 0) out.set(JSON.stringify(path), names.sort());
    for (const name of names) walk((value as Record<string, unknown>)[name], [...path, name]);
  };
  walk(root, []);
  return out;
}
