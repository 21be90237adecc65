/**
 * Proto package collisions, reported as diagnostic QMI1019 before anything is emitted.
 *
 * A module's proto package and `.proto` file come from its snake_cased path, so `drivers/acme/psu-a.ts` and
 * `drivers/acme/psu_a.ts` would both become `<prefix>.drivers.acme.psu_a`: their services would share one package,
 * and one file would overwrite the other. A lab project that chooses qmi-ts's own prefix (`"protoPackage": "qmi"`)
 * could likewise redefine a built-in package, e.g. `qmi.drivers.dummy.noisy_sine_generator`, which clients could
 * no longer tell apart. Both are errors naming both files.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "./file-walk.ts";
import type { ScannedClass } from "./class-scanner.ts";
import { DiagnosticCode, diagnosticAt, type Diagnostic } from "./diagnostic.ts";
import type { ModulePaths } from "./naming.ts";

/** A source module about to be generated. */
export interface PlannedModule {
  readonly paths: ModulePaths;
  readonly classes: readonly ScannedClass[];
}

/**
 * Diagnostics for modules sharing a proto package, and for modules whose `.proto` path (relative to the idl folder)
 * is in `reserved` (path -> where it is already defined, as shown to the user).
 */
export function findPackageCollisions(
  modules: readonly PlannedModule[],
  projectRoot: string,
  reserved: ReadonlyMap<string, string> = new Map(),
): Diagnostic[] {
  const byProtoFile = new Map<string, PlannedModule[]>();
  for (const m of modules) {
    const list = byProtoFile.get(m.paths.protoFile) ?? [];
    list.push(m);
    byProtoFile.set(m.paths.protoFile, list);
  }
  const diagnostics: Diagnostic[] = [];
  for (const [protoFile, group] of byProtoFile) {
    for (const m of group) {
      const others = group.filter((o) => o !== m);
      if (others.length > 0) {
        const shared = m.classes
          .map((c) => c.name)
          .filter((name) => others.some((o) => o.classes.some((c) => c.name === name)));
        diagnostics.push(
          at(m, projectRoot, {
            message:
              `${andList([m, ...others].map((o) => `\`${o.paths.sourceFile}\``))} map to ` +
              `the same proto package \`${m.paths.protoPackage}\` (\`${protoFile}\`)` +
              (shared.length > 0
                ? `, and ${others.length > 1 ? "more than one" : "both"} define service \`${m.paths.protoPackage}.${shared[0]}\`.`
                : "."),
            hint: "Rename or move one of the files so that their snake_case paths differ: each source file needs a proto package of its own.",
          }),
        );
      }
      const existing = reserved.get(protoFile);
      if (existing !== undefined) {
        diagnostics.push(
          at(m, projectRoot, {
            message:
              `\`${m.paths.sourceFile}\` maps to proto package \`${m.paths.protoPackage}\`, which the installed qmi-ts ` +
              `already defines in \`${existing}\`.`,
            hint:
              "Set another `qmi.protoPackage` in package.json (or leave it out: the default, derived from the package " +
              "name, never collides with qmi-ts), or rename the file.",
          }),
        );
      }
    }
  }
  return diagnostics;
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function at(m: PlannedModule, projectRoot: string, text: { message: string; hint: string }): Diagnostic {
  const first = m.classes[0]!;
  return diagnosticAt(first.declaration.getNameNode() ?? first.declaration, projectRoot, {
    code: DiagnosticCode.PackageCollision,
    typeText: first.name,
    ...text,
  });
}

/**
 * The `.proto` files (relative to its `idl/`) of the qmi-ts package installed for a project, mapped to their path
 * as shown to the user (`node_modules/qmi-ts/idl/...`). Empty when qmi-ts is not installed, or the project is
 * qmi-ts itself.
 */
export function installedQmiTsProtoFiles(projectRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  const self = realpath(projectRoot);
  for (let dir = path.resolve(projectRoot); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", "qmi-ts");
    if (fs.existsSync(path.join(candidate, "package.json"))) {
      if (realpath(candidate) === self) return found;
      const idl = path.join(candidate, "idl");
      for (const file of listFiles(idl, idl)) {
        if (file.endsWith(".proto")) found.set(file, path.relative(projectRoot, path.join(idl, file)).split(path.sep).join("/"));
      }
      return found;
    }
    if (path.dirname(dir) === dir) return found;
  }
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
