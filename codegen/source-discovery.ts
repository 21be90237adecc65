/**
 * Finds the TypeScript modules under the generator's source roots (`.ts`, not `.d.ts` nor `.test.ts`, no
 * `node_modules`), in a stable order.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Project-relative paths (`/` separators), sorted, of the modules under `roots`. Missing roots are skipped here:
 * `generate()` refuses them (and roots holding no service class) before and after discovery.
 */
export function discoverSources(projectRoot: string, roots: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(full);
      } else if (entry.isFile() && /\.ts$/.test(entry.name) && !/\.(d|test)\.ts$/.test(entry.name)) {
        found.push(path.relative(projectRoot, full).split(path.sep).join("/"));
      }
    }
  };
  for (const root of roots) walk(path.resolve(projectRoot, root));
  return [...new Set(found)].sort();
}
