/**
 * Shell-style wildcards for discovery filters: `*` any run of characters (the empty one and line breaks
 * included, so `*` alone matches everything, as in QMI), `?` exactly one character, all else literal.
 * Characters are Unicode code points, and the match is case-sensitive.
 *
 * Patterns arrive in UDP packets from anyone in the discovery scope, so matching must stay cheap whatever the
 * pattern: a backtracking RegExp takes time exponential in the number of `*` (`"*".repeat(60) + "x"` ran for
 * minutes). This matcher backtracks only to the last `*` seen, which is enough for these wildcards and takes
 * O(pattern × value) steps at worst.
 *
 * ```ts
 * matchesWildcard("lab_*", "lab_3"); // true
 * matchesWildcard("instr_?", "instr_12"); // false
 * ```
 *
 * @module
 */

/** True when `value` matches `pattern` as a whole. */
export function matchesWildcard(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const v = Array.from(value);
  let pi = 0;
  let vi = 0;
  // Where the last `*` was and where its run of characters would end next: on a mismatch, that `*` takes one
  // more character and the rest of the pattern is tried again. Earlier stars never need revisiting, since the
  // last one can absorb whatever they would have.
  let star = -1;
  let starEnd = 0;
  while (vi < v.length) {
    const char = p[pi];
    if (char === "*") {
      star = pi++;
      starEnd = vi;
    } else if (char !== undefined && (char === "?" || char === v[vi])) {
      pi++;
      vi++;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++starEnd;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}
