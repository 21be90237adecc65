/**
 * `--import <file>` of `qmi record` and `qmi dashboard`: modules loaded before the command starts, such as a lab
 * project's `generated/index.ts`, so that its drivers' methods and signals are known.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Loads `files` in order. An installed `qmi` runs without a TypeScript loader, so a `.ts` file is then loaded through
 * tsx (a dependency of qmi-ts), registered only when needed; `beforeLoader` runs just before it is registered (to
 * load modules that tsx would otherwise rewrite as they load).
 */
export async function importModules(files: readonly string[], beforeLoader?: () => Promise<unknown>): Promise<void> {
  let loaderRegistered = false;
  for (const file of files) {
    const url = pathToFileURL(resolve(file)).href;
    try {
      await import(url);
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION" || loaderRegistered) throw error;
      await beforeLoader?.();
      (await import("tsx/esm/api")).register();
      loaderRegistered = true;
      // Under another URL: the module loader keeps the failure of the first import of this one.
      await import(`${url}?typescript`);
    }
  }
}
