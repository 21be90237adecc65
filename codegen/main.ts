/**
 * The generator's command line: `npm run gen` (or `qmi gen`).
 *
 * ```text
 * npm run gen                     write idl/..., generated/... (deleting files no longer generated)
 * npm run gen -- --check          write nothing; list stale, missing and extra files; exit 1 if any
 * npm run gen -- --project <dir>  generate for another project (default: the working directory)
 * npm run gen -- --allow-breaking accept changes that break clients built from the committed .proto files
 * ```
 *
 * Settings come from the `qmi` section of the project's `package.json` (`project-settings.ts`); `--root`, `--idl`,
 * `--generated` and `--proto-package` override its keys.
 *
 * Exit codes: 0 success, 1 `--check` found differences, 2 generator errors (diagnostics), wrong settings, a missing
 * or empty source root, breaking changes to the committed `.proto` files (unless allowed) or bad usage.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "./diagnostic.ts";
import { generate, ProjectSettingsError, type ProjectGenerateResult } from "./generate.ts";
import { checkCompatibility, formatIncompatibilities } from "./compat/check-compatibility.ts";
import { applySync, isInSync, planSync } from "./output-sync.ts";

const usage = `Usage: qmi gen [--check] [--allow-breaking] [--project <dir>] [--root <dir>]... [--idl <dir>]
               [--generated <dir>] [--proto-package <name>]

Generates .proto files and typed proxies from the @rpcMethod, @signal and @rpcConstant declarations of the
driver and task classes under the project's source roots. A driver drivers/acme/psu.ts becomes
<idl>/<prefix as folders>/drivers/acme/psu.proto (proto package <prefix>.drivers.acme.psu) and
<generated>/drivers/acme/psu.ts; <generated>/index.ts lists every service.

Settings: the "qmi" section of the project's package.json, each key optional, e.g.
  "qmi": { "roots": ["drivers"], "idl": "idl", "generated": "generated", "protoPackage": "acme" }
Unknown keys and wrong types are errors. The flags below override the keys one by one.

Options:
  --check                 Write nothing; print each stale, missing or extra file and exit 1 if any.
  --allow-breaking        Accept changes that break clients built from the committed .proto files (a removed or
                          retyped method or parameter, a renumbered field, a new required parameter...).
  --project <dir>         Project root holding package.json, tsconfig.json, the roots, the idl and generated
                          folders (default: the working directory).
  --root <dir>            A source root relative to the project (repeatable). Overrides qmi.roots; default
                          drivers (drivers and examples when the package is qmi-ts itself). A root that does
                          not exist or holds no driver or task class is an error.
  --idl <dir>             Where .proto files go. Overrides qmi.idl; default idl.
  --generated <dir>       Where typed proxies go. Overrides qmi.generated; default generated.
  --proto-package <name>  Proto package prefix. Overrides qmi.protoPackage; default derived from the package.json
                          "name" (@acme/lab-tools -> acme.lab_tools; qmi when the package is qmi-ts itself).
  --help                  Show this help.

Exit codes: 0 done (or up to date), 1 --check found differences, 2 errors (nothing written) or bad usage.
`;

interface ParsedArgs {
  check: boolean;
  allowBreaking: boolean;
  help: boolean;
  project: string;
  roots: string[];
  idlDir?: string;
  generatedDir?: string;
  protoPackage?: string;
}

const valueFlags = ["--project", "--root", "--idl", "--generated", "--proto-package"] as const;
type ValueFlag = (typeof valueFlags)[number];

function setValue(parsed: ParsedArgs, flag: ValueFlag, value: string): string | undefined {
  if (value === "") return `${flag} needs a value`;
  if (flag === "--project") parsed.project = path.resolve(value);
  else if (flag === "--root") parsed.roots.push(value);
  else if (flag === "--idl") parsed.idlDir = value;
  else if (flag === "--generated") parsed.generatedDir = value;
  else parsed.protoPackage = value;
  return undefined;
}

function parseArgs(argv: readonly string[]): ParsedArgs | string {
  const parsed: ParsedArgs = { check: false, allowBreaking: false, help: false, project: process.cwd(), roots: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = (eq > 0 ? arg.slice(0, eq) : arg) as ValueFlag;
    if (arg === "--check") parsed.check = true;
    else if (arg === "--allow-breaking") parsed.allowBreaking = true;
    else if (arg === "--help" || arg === "-h") parsed.help = true;
    else if (valueFlags.includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) return `${flag} needs a value`;
      const problem = setValue(parsed, flag, value);
      if (problem) return problem;
    } else return `unknown argument \`${arg}\``;
  }
  return parsed;
}

/** Where {@link runGen} prints: the process's streams, or what a caller running it in its own process collects. */
export interface GenOutput {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_STREAMS: GenOutput = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };

/** Runs the generator CLI with `argv` (without the program name), printing to `output`; resolves to the exit code. */
export async function runGen(argv: readonly string[], output: GenOutput = PROCESS_STREAMS): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    output.err(`qmi gen: ${args}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    output.out(usage);
    return 0;
  }
  if (!fs.existsSync(args.project)) {
    output.err(`qmi gen: project folder ${args.project} does not exist; pass an existing --project\n`);
    return 2;
  }
  let result: ProjectGenerateResult;
  try {
    result = await generate({
      projectRoot: args.project,
      ...(args.roots.length > 0 ? { roots: args.roots } : {}),
      ...(args.idlDir !== undefined ? { idlDir: args.idlDir } : {}),
      ...(args.generatedDir !== undefined ? { generatedDir: args.generatedDir } : {}),
      ...(args.protoPackage !== undefined ? { protoPackage: args.protoPackage } : {}),
    });
  } catch (error) {
    if (!(error instanceof ProjectSettingsError)) throw error;
    output.err(`qmi gen: ${error.message}\n`);
    return 2;
  }
  if (result.diagnostics.length > 0) {
    output.err(result.diagnostics.map((d) => `${formatDiagnostic(d)}\n\n`).join(""));
    const n = result.diagnostics.length;
    output.err(`qmi gen: ${n} error${n === 1 ? "" : "s"}; nothing was written.\n`);
    return 2;
  }
  const plan = planSync(args.project, result.files, result.ownedDirs);
  const incompatible = args.allowBreaking ? [] : checkCompatibility(args.project, result.files, plan);
  if (incompatible.length > 0) {
    output.err(formatIncompatibilities(incompatible));
    return 2;
  }
  if (args.check) {
    if (isInSync(plan)) {
      output.out(`qmi gen --check: OK, ${result.files.size} generated files are up to date.\n`);
      return 0;
    }
    for (const f of plan.stale) output.out(`stale:   ${f}\n`);
    for (const f of plan.missing) output.out(`missing: ${f}\n`);
    for (const f of plan.extra) output.out(`extra:   ${f}\n`);
    output.out("Generated files are out of date; run `npm run gen` (or `qmi gen`) and commit the result.\n");
    return 1;
  }
  applySync(args.project, result.files, plan);
  const changed = plan.stale.length + plan.missing.length;
  output.out(
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
