/**
 * Benchmark 8: wall time of `npm run gen` and `npm run gen -- --check` over all sources. `gen` runs on a copy of
 * the project in a temporary folder (`--project`), so a benchmark never rewrites the working tree.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** What {@link benchCodegen} measured, ms (each a fresh `tsx` process, as `npm run gen` is). */
export interface CodegenFigures {
  readonly genMs: number;
  readonly checkMs: number;
}

async function timed(args: string[]): Promise<number> {
  const start = performance.now();
  await run(process.execPath, ["--import", "tsx", join(ROOT, "codegen/main.ts"), ...args], { cwd: ROOT, timeout: 90_000 }).catch(
    (error: { code?: number; stdout?: string }) => {
      if (error.code !== 1) throw error; // 1 = --check found drift (e.g. a driver being edited): still a timing
    },
  );
  return performance.now() - start;
}

/** Times `gen` (on a copy) and `gen --check` (on the tree). */
export async function benchCodegen(): Promise<CodegenFigures> {
  const copy = mkdtempSync(join(tmpdir(), "qmi-bench-gen-"));
  try {
    for (const entry of ["package.json", "tsconfig.json", "runtime", "drivers", "examples", "idl", "generated", "codegen"]) {
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
    const genMs = await timed(["--project", copy]);
    const checkMs = await timed(["--check"]);
    return { genMs, checkMs };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
