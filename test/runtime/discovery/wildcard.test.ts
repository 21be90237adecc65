/**
 * The discovery wildcard matcher: semantics (`*`, `?`, literals, code points), linear-ish time on hostile
 * patterns, and agreement with two references on random patterns (fast-check; QMI_FUZZ_RUNS, default 1000,
 * and QMI_FUZZ_SEED, default fixed and printed on failure).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { matchesWildcard } from "../../../runtime/discovery/wildcard.ts";

const SEED = Number(process.env.QMI_FUZZ_SEED ?? 20_261_203);
const RUNS = Number(process.env.QMI_FUZZ_RUNS ?? 1000);

/** The textbook dynamic-programming glob matcher over code points: slow, obviously right. */
function referenceMatch(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const v = Array.from(value);
  // row[j]: does the pattern read so far match v[0..j)?
  let row = v.map(() => false).concat(false);
  row[0] = true;
  for (const char of p) {
    const next = row.map(() => false);
    if (char === "*") {
      next[0] = row[0]!;
      for (let j = 1; j <= v.length; j++) next[j] = row[j]! || next[j - 1]!;
    } else {
      for (let j = 1; j <= v.length; j++) next[j] = row[j - 1]! && (char === "?" || char === v[j - 1]);
    }
    row = next;
  }
  return row[v.length]!;
}

/** The RegExp translation discovery used before (with the `u` flag, so `?` is one code point): fine for few stars. */
function regexpMatch(pattern: string, value: string): boolean {
  const source = Array.from(pattern)
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "su").test(value);
}

/** Runs a property with the fixed seed; on failure, says how to replay it. */
function check<T>(arbitrary: fc.Arbitrary<T>, body: (value: T) => void): void {
  try {
    fc.assert(fc.property(arbitrary, body), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  } catch (error) {
    console.error(`wildcard property failed with seed ${SEED}: replay with QMI_FUZZ_SEED=${SEED} QMI_FUZZ_RUNS=${RUNS}`);
    throw error;
  }
}

/** Small alphabets, so that random patterns often match random values. */
const valueChar = fc.constantFrom("a", "b", "\n", ".", "é", "😀");
const patternChar = fc.oneof({ weight: 3, arbitrary: valueChar }, { weight: 2, arbitrary: fc.constantFrom("*", "?") });
const value = fc.array(valueChar, { maxLength: 12 }).map((chars) => chars.join(""));
const pattern = fc.array(patternChar, { maxLength: 10 }).map((chars) => chars.join(""));

describe("matchesWildcard", () => {
  it("matches * as any run (empty and line breaks included), ? as one code point, all else literally", () => {
    assert.ok(matchesWildcard("*", ""));
    assert.ok(matchesWildcard("*", "any\nthing"));
    assert.ok(matchesWildcard("**", "x"));
    assert.ok(matchesWildcard("", ""));
    assert.ok(!matchesWildcard("", "x"));
    assert.ok(matchesWildcard("lab*", "lab"));
    assert.ok(matchesWildcard("lab*", "lab_3"));
    assert.ok(!matchesWildcard("lab", "lab_3"));
    assert.ok(matchesWildcard("*_3", "lab_3"));
    assert.ok(matchesWildcard("l*b*3", "lab_3"));
    assert.ok(!matchesWildcard("l*b*4", "lab_3"));
    assert.ok(matchesWildcard("instr_?erver", "instr_server"));
    assert.ok(!matchesWildcard("instr_?", "instr_12"));
    assert.ok(!matchesWildcard("?", ""));
    assert.ok(matchesWildcard("?", "😀"), "? is one code point, not one UTF-16 unit");
    assert.ok(!matchesWildcard("??", "😀"));
    assert.ok(matchesWildcard("a.c(1)[x]+$", "a.c(1)[x]+$"));
    assert.ok(!matchesWildcard("a.c", "abc"));
    assert.ok(!matchesWildcard("Lab", "lab"), "case-sensitive");
    assert.ok(matchesWildcard("*ab*ab*", "xxabyyabzz"));
    assert.ok(!matchesWildcard("*ab*ab*", "xxabyyazz"));
  });

  it("finishes fast on patterns that make a backtracking RegExp run for hours", () => {
    const started = performance.now();
    // The query that pinned every context: the longest pattern a packet holds, against the longest name.
    assert.equal(matchesWildcard("*".repeat(127) + "x", "a".repeat(128)), false);
    assert.equal(matchesWildcard("*a".repeat(64) + "b", "a".repeat(128)), false);
    assert.equal(matchesWildcard("*".repeat(10_000) + "x", "a".repeat(10_000)), false);
    assert.equal(matchesWildcard("*".repeat(10_000) + "x", "a".repeat(9_999) + "x"), true);
    assert.equal(matchesWildcard("*?".repeat(5_000) + "x", "a".repeat(10_000)), false);
    // The algorithm's worst case, O(pattern × value): 4 × 10^6 steps here.
    assert.equal(matchesWildcard("*" + "a".repeat(400) + "b", "a".repeat(10_000)), false);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 5, `took ${seconds.toFixed(2)} s`); // a sanity bound only: it takes milliseconds
  });

  it("agrees with a dynamic-programming matcher on random patterns and values", () => {
    check(fc.tuple(pattern, value), ([p, v]) => assert.equal(matchesWildcard(p, v), referenceMatch(p, v), JSON.stringify([p, v])));
  });

  it("agrees with the RegExp translation it replaced, so discovery filters keep their meaning", () => {
    const fewStars = pattern.filter((p) => p.split("*").length <= 5);
    check(fc.tuple(fewStars, value), ([p, v]) => assert.equal(matchesWildcard(p, v), regexpMatch(p, v), JSON.stringify([p, v])));
  });

  it("matches a value against itself with stars and question marks put in its place", () => {
    const masked = fc
      .tuple(value, fc.array(fc.constantFrom("keep", "?", "*"), { minLength: 12, maxLength: 12 }))
      .map(([v, ops]) => [Array.from(v).map((char, i) => (ops[i] === "keep" ? char : ops[i]!)).join(""), v] as const);
    check(masked, ([p, v]) => assert.ok(matchesWildcard(p, v), JSON.stringify([p, v])));
  });
});
