/**
 * The generator's command line: `npm run gen` (or `qmi gen`).
 *
 * ```text
 * npm run gen                     write idl/qmi/drivers/..., generated/... (deleting files no longer generated)
 * npm run gen -- --check          write nothing; list stale, missing and extra files; exit 1 if any
 * npm run gen -- --project <dir>  generate for another project (default: the working directory)
 * npm run gen -- --allow-breaking accept changes that break clients built from the committed .proto files
 * ```
 *
 * Exit codes: 0 success, 1 `--check` found differences, 2 generator errors (diagnostics), breaking changes to the
 * committed `.proto` files (unless allowed) or bad usage.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "./diagnostic.ts";
import { generate } from "./generate.ts";
import { checkCompatibility, formatIncompatibilities } from "./compat/check-compatibility.ts";
import { applySync, isInSync, planSync } from "./output-sync.ts";

const usage = `Usage: qmi gen [--check] [--allow-breaking] [--project <dir>] [--root <dir>]...

Generates .proto files (idl/qmi/drivers/...) and typed proxies (generated/...) from the
@rpcMethod, @signal and @rpcConstant declarations of the classes under the source roots.

Options:
  --check           Write nothing; print each stale, missing or extra file and exit 1 if any.
  --allow-breaking  Accept changes that break clients built from the committed .proto files (a removed or
                    retyped method or parameter, a renumbered field, a new required parameter...).
  --project <dir>   Project root holding tsconfig.json, the roots, idl/ and generated/ (default: cwd).
  --root <dir>      A source root relative to the project (repeatable; default: drivers).
  --help            Show this help.
`;

interface ParsedArgs {
  check: boolean;
  allowBreaking: boolean;
  help: boolean;
  project: string;
  roots: string[];
}

function parseArgs(argv: readonly string[]): ParsedArgs | string {
  const parsed: ParsedArgs = { check: false, allowBreaking: false, help: false, project: process.cwd(), roots: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--check") parsed.check = true;
    else if (arg === "--allow-breaking") parsed.allowBreaking = true;
    else if (arg === "--help" || arg === "-h") parsed.help = true;
    else if (arg === "--project" || arg === "--root") {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === "--project") parsed.project = path.resolve(value);
      else parsed.roots.push(value);
    } else if (arg.startsWith("--project=")) parsed.project = path.resolve(arg.slice("--project=".length));
    else if (arg.startsWith("--root=")) parsed.roots.push(arg.slice("--root=".length));
    else return `unknown argument \`${arg}\``;
  }
  return parsed;
}

/** Runs the generator CLI with `argv` (without the program name); resolves to the exit code. */
export async function runGen(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`qmi gen: ${args}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (!fs.existsSync(args.project)) {
    process.stderr.write(`qmi gen: project folder ${args.project} does not exist; pass an existing --project\n`);
    return 2;
  }
  const result = await generate({
    projectRoot: args.project,
    ...(args.roots.length > 0 ? { roots: args.roots } : {}),
  });
  if (result.diagnostics.length > 0) {
    process.stderr.write(result.diagnostics.map((d) => `${formatDiagnostic(d)}\n\n`).join(""));
    const n = result.diagnostics.length;
    process.stderr.write(`qmi gen: ${n} error${n === 1 ? "" : "s"}; nothing was written.\n`);
    return 2;
  }
  const plan = planSync(args.project, result.files, result.ownedDirs);
  const incompatible = args.allowBreaking ? [] : checkCompatibility(args.project, result.files, plan);
  if (incompatible.length > 0) {
    process.stderr.write(formatIncompatibilities(incompatible));
    return 2;
  }
  if (args.check) {
    if (isInSync(plan)) {
      process.stdout.write(`qmi gen --check: OK, ${result.files.size} generated files are up to date.\n`);
      return 0;
    }
    for (const f of plan.stale) process.stdout.write(`stale:   ${f}\n`);
    for (const f of plan.missing) process.stdout.write(`missing: ${f}\n`);
    for (const f of plan.extra) process.stdout.write(`extra:   ${f}\n`);
    process.stdout.write("Generated files are out of date; run `npm run gen` (or `qmi gen`) and commit the result.\n");
    return 1;
  }
  applySync(args.project, result.files, plan);
  const changed = plan.stale.length + plan.missing.length;
  process.stdout.write(
    isInSync(plan)
      ? `qmi gen: ${result.files.size} generated files are up to date.\n`
      : `qmi gen: wrote ${changed} file${changed === 1 ? "" : "s"}, deleted ${plan.extra.length}.\n`,
  );
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  process.exitCode = await runGen(process.argv.slice(2));
}
