/**
 * Golden-file helpers: compare generated text with a committed file, or rewrite the file when
 * `UPDATE_GOLDEN=1` is set (never edit goldens by hand).
 *
 * @module
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

/** True when the run refreshes golden files instead of comparing. */
export const updateGolden = process.env["UPDATE_GOLDEN"] === "1";

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** Case folder names under `dir`, sorted. */
export function caseNames(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Asserts that `file` holds `actual`, or writes it when refreshing goldens. */
export function assertGolden(file: string, actual: string | undefined): void {
  assert.ok(actual !== undefined, `nothing was generated for ${path.relative(repoRoot, file)}`);
  if (updateGolden) {
    fs.writeFileSync(file, actual);
    return;
  }
  assert.ok(fs.existsSync(file), `${path.relative(repoRoot, file)} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(
    actual,
    fs.readFileSync(file, "utf8"),
    `${path.relative(repoRoot, file)} differs (UPDATE_GOLDEN=1 refreshes it)`,
  );
}
