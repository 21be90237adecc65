/**
 * Tiny command-line helper shared by the examples: `--name value` options.
 *
 * @module
 */

/** The value following `--name` on the command line, or undefined. */
export function option(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

/** The examples' configuration file, `examples/qmi.conf`. */
export const EXAMPLES_CONFIG = new URL("./qmi.conf", import.meta.url).pathname;
