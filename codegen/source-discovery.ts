/**
 * Finds the TypeScript modules under the generator's source roots (`.ts`, not `.d.ts` nor `.test.ts`, no
 * `node_modules`), in a stable order.
 *
 * @module
 */
import * as path from "node:path";
import { listFiles } from "./file-walk.ts";

/**
 * Project-relative paths (`/` separators), sorted, of the modules under `roots`. Missing roots are skipped here:
 * `generate()` refuses them (and roots holding no service class) before and after discovery.
 */
export function discoverSources(projectRoot: string, roots: readonly string[]): string[] {
  const skipFolder = (name: string) => name === "node_modules" || name.startsWith(".");
  const found = roots.flatMap((root) => listFiles(path.resolve(projectRoot, root), projectRoot, skipFolder));
  return [...new Set(found.filter((file) => /\.ts$/.test(file) && !/\.(d|test)\.ts$/.test(file)))].sort();
}
