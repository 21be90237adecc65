/**
 * Shell-style wildcards for discovery filters: `*` any run of characters, `?` one character, all else literal.
 *
 * @module
 */

/** True when `value` matches `pattern` as a whole. */
export function matchesWildcard(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s").test(value);
}
