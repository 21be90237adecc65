/**
 * Compares generated files with the tree, and writes them: what is stale, missing or extra in the owned folders.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "./file-walk.ts";

/** Differences between the generator's output and the tree (project-relative paths, sorted). */
export interface SyncPlan {
  /** Present with other content. */
  readonly stale: readonly string[];
  /** Not present. */
  readonly missing: readonly string[];
  /** Present in an owned folder, but no longer generated. */
  readonly extra: readonly string[];
}

/** What writing `files` would change. */
export function planSync(
  projectRoot: string,
  files: ReadonlyMap<string, string>,
  ownedDirs: readonly string[],
): SyncPlan {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, content] of files) {
    const abs = path.join(projectRoot, file);
    if (!fs.existsSync(abs)) missing.push(file);
    else if (fs.readFileSync(abs, "utf8") !== content) stale.push(file);
  }
  const extra = [...new Set(ownedDirs.flatMap((d) => listFiles(path.join(projectRoot, d), projectRoot)))].filter((f) => !files.has(f));
  return { stale: stale.sort(), missing: missing.sort(), extra: extra.sort() };
}

/** True when the plan changes nothing. */
export function isInSync(plan: SyncPlan): boolean {
  return plan.stale.length === 0 && plan.missing.length === 0 && plan.extra.length === 0;
}

/** Writes stale and missing files and deletes extra ones (and folders left empty). */
export function applySync(projectRoot: string, files: ReadonlyMap<string, string>, plan: SyncPlan): void {
  for (const file of [...plan.stale, ...plan.missing]) {
    const abs = path.join(projectRoot, file);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, files.get(file)!);
  }
  for (const file of plan.extra) {
    const abs = path.join(projectRoot, file);
    fs.rmSync(abs, { force: true });
    for (let dir = path.dirname(abs); dir.startsWith(projectRoot) && dir !== projectRoot; dir = path.dirname(dir)) {
      if (fs.readdirSync(dir).length > 0) break;
      fs.rmdirSync(dir);
    }
  }
}
