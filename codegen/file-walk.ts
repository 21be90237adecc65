/**
 * Lists the files below a folder, for the generator's scans (sources, owned output, an installed package's idl).
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The files below `dir`, as paths relative to `relativeTo` with `/` separators, in directory order; a folder that
 * cannot be read (or does not exist) is skipped, and so is every folder for which `skipFolder(name)` is true.
 */
export function listFiles(dir: string, relativeTo: string, skipFolder: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(abs, entry.name);
      if (entry.isDirectory()) {
        if (!skipFolder(entry.name)) walk(full);
      } else if (entry.isFile()) {
        out.push(path.relative(relativeTo, full).split(path.sep).join("/"));
      }
    }
  };
  walk(dir);
  return out;
}
