/**
 * `qmi init <dir>`: scaffolds a lab project that works at once: package.json (qmi-ts and tsx pinned, the `qmi`
 * section), tsconfig.json, a simulated power supply driver, a server and a client script with their qmi.conf, a
 * test, a README and a .gitignore. Refuses a folder that exists and is not empty.
 *
 * ```sh
 * npx qmi init acme-lab && cd acme-lab && npm install && npx qmi gen && npm test
 * ```
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { protoPackageFromName } from "../codegen/project-settings.ts";
import { QmiError } from "../runtime/protocol/errors.ts";
import { initTemplates } from "./init-templates.ts";

const HELP = `Usage: qmi init <dir> [options]

Create a lab project in <dir> (created if missing; refused if not empty): a
simulated power supply driver (drivers/acme/psu.ts), a server and a client
(scripts/, addresses in qmi.conf), a test (test/psu.test.ts), package.json with
qmi-ts and tsx pinned, tsconfig.json, README.md and .gitignore.

Options:
  --name <name>       npm package name (default: from the folder name)
  --qmi-ts <spec>     qmi-ts dependency spec, e.g. file:/path/qmi-ts-0.1.0.tgz
                      (default: this qmi-ts's version)
  -h, --help          show this help
`;

const npmNamePattern = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

/** The manifest of the running qmi-ts: `../` from the sources (`cli/`), `../../` from the compiled `dist/cli/`. */
function ownManifest(): { version: string; dependencies: Record<string, string> } {
  for (const relative of ["../package.json", "../../package.json"]) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version: string; dependencies?: Record<string, string> };
    if (manifest.name === "qmi-ts") return { version: manifest.version, dependencies: manifest.dependencies ?? {} };
  }
  throw new QmiError(`cannot find qmi-ts's own package.json above ${fileURLToPath(import.meta.url)}; reinstall qmi-ts`);
}

/** A valid npm package name made from a folder name: lower case, other characters as dashes. */
export function npmNameFromFolder(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+/, "")
    .replace(/-+$/, "")
    .slice(0, 214);
  return name === "" ? "lab-project" : name;
}

/** Runs `qmi init`; resolves with the exit code. */
export async function runInit(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { name: { type: "string" }, "qmi-ts": { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    process.stderr.write(`qmi init: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`qmi init: ${positionals.length === 0 ? "name the folder to create" : "name one folder"}\n\n${HELP}`);
    return 2;
  }
  const dir = path.resolve(positionals[0]!);
  const name = values.name ?? npmNameFromFolder(path.basename(dir));
  if (!npmNamePattern.test(name) || name.length > 214) {
    process.stderr.write(`qmi init: ${JSON.stringify(name)} is not a valid npm package name; pass --name with lower-case letters, digits and dashes, e.g. --name acme-lab\n`);
    return 2;
  }
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) {
      process.stderr.write(`qmi init: ${dir} exists and is not a folder; name a new or empty folder\n`);
      return 2;
    }
    if (fs.readdirSync(dir).length > 0) {
      process.stderr.write(`qmi init: ${dir} is not empty; name a new or empty folder so that no file is overwritten\n`);
      return 2;
    }
  }
  try {
    const own = ownManifest();
    const protoPackage = protoPackageFromName(name) ?? protoPackageFromName(`lab-${name}`) ?? "lab";
    const files = initTemplates({
      name,
      protoPackage,
      qmiTsSpec: values["qmi-ts"] ?? own.version,
      tsxSpec: own.dependencies.tsx ?? "latest",
    });
    for (const [file, text] of files) {
      const target = path.join(dir, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text, { flag: "wx" });
    }
    const shown = positionals[0]!;
    process.stdout.write(
      [
        `Created lab project ${name} in ${dir}:`,
        ...[...files.keys()].map((file) => `  ${file}`),
        "",
        "Next:",
        `  cd ${/^[\w./@+-]+$/.test(shown) ? shown : JSON.stringify(shown)}`,
        "  npm install",
        "  npx qmi gen         # idl/ and generated/ from drivers/",
        "  npm test",
        "  npm run server      # then, in a second terminal: npm run client",
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`qmi init: ${QmiError.from(error).message}\n`);
    return 1;
  }
}
