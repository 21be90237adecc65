/**
 * The generator's programmatic API.
 *
 * ```ts
 * const { files, diagnostics } = await generate({ projectRoot: process.cwd() });
 * // files: Map of project-relative path -> content, e.g. "idl/qmi/drivers/dummy/noisy_sine_generator.proto"
 * ```
 *
 * {@link generate} scans the source roots named by the project's settings (the `qmi` section of its
 * `package.json`, see `project-settings.ts`; options override it key by key); {@link generateModules} generates
 * explicitly given source files under chosen logical paths (the golden tests generate
 * `test/codegen/valid/<case>/input.ts` as if it were `drivers/<case>/input.ts`, sharing one ts-morph project across
 * cases). Both are deterministic: the same input gives the same bytes.
 *
 * `generate` throws a {@link ProjectSettingsError} when the settings are wrong, or a source root does not exist or
 * holds no driver or task class; problems in the sources themselves are diagnostics in the result.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Project, SourceFile } from "ts-morph";
import { scanServiceClasses } from "./class-scanner.ts";
import { sortDiagnostics, type Diagnostic } from "./diagnostic.ts";
import { emitProto } from "./emit/proto-emitter.ts";
import { emitRegistry } from "./emit/registry-emitter.ts";
import { emitTypeScriptModule } from "./emit/typescript-module-emitter.ts";
import type { ModuleModel } from "./model.ts";
import { buildModuleModel } from "./module-model-builder.ts";
import { modulePaths, snakeCase } from "./naming.ts";
import { findPackageCollisions, installedQmiTsProtoFiles, type PlannedModule } from "./package-collisions.ts";
import { addSourceFiles, createProject } from "./project-loader.ts";
import { loadProjectSettings, ProjectSettingsError, type ProjectSettings } from "./project-settings.ts";
import { discoverSources } from "./source-discovery.ts";
import { findUnresolvedBases } from "./unresolved-bases.ts";

export { ProjectSettingsError, type ProjectSettings } from "./project-settings.ts";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** The project to generate for (absolute, or relative to the working directory). */
  readonly projectRoot: string;
  /** Source roots relative to the project root. Default: `qmi.roots` of package.json, else `["drivers"]`. */
  readonly roots?: readonly string[];
  /** Where `.proto` files go. Default: `qmi.idl` of package.json, else `"idl"`. */
  readonly idlDir?: string;
  /** Where TypeScript goes. Default: `qmi.generated` of package.json, else `"generated"`. */
  readonly generatedDir?: string;
  /** Proto package prefix. Default: `qmi.protoPackage` of package.json, else derived from its `name`. */
  readonly protoPackage?: string;
  /** A ts-morph project to reuse (tests share one); by default one is made from the project's tsconfig. */
  readonly project?: Project;
}

/** What a generator run produces. */
export interface GenerateResult {
  /** Project-relative path (`/` separators) -> content, in sorted path order. */
  readonly files: ReadonlyMap<string, string>;
  /** Errors, sorted by place; when there are any, `files` must not be written. */
  readonly diagnostics: readonly Diagnostic[];
  /** Project-relative folders the generator owns: any file there that it did not produce is extra. */
  readonly ownedDirs: readonly string[];
  /** The models, for tools that want more than text. */
  readonly modules: readonly ModuleModel[];
}

/** What {@link generate} produces: the result, and the settings it used. */
export interface ProjectGenerateResult extends GenerateResult {
  readonly settings: ProjectSettings;
}

/** One module to generate: a source file, and the project-relative path it is generated as. */
export interface ModuleInput {
  readonly sourceFile: SourceFile;
  /** e.g. `drivers/dummy/noisy-sine-generator.ts`; decides the proto package and output paths. */
  readonly logicalPath: string;
}

/** Options of {@link generateModules}. */
export interface GenerateModulesOptions {
  readonly projectRoot: string;
  readonly modules: readonly ModuleInput[];
  readonly idlDir?: string;
  readonly generatedDir?: string;
  /** Proto package prefix. Default `"qmi"`. */
  readonly protoPackage?: string;
  /** `.proto` paths (relative to the idl folder) defined elsewhere, mapped to where; generating one is an error. */
  readonly reservedProtoFiles?: ReadonlyMap<string, string>;
  /** Also emit `<generatedDir>/index.ts`. Default true. */
  readonly registry?: boolean;
  /**
   * The registry also imports qmi-ts's own (`qmi-ts/generated/index`), so that importing a lab's registry registers
   * the built-in drivers too. Default false; true for every project but qmi-ts itself.
   */
  readonly registryImportsBuiltIns?: boolean;
  /** Owned folders to report; default derived from the logical paths' first folders. */
  readonly ownedDirs?: readonly string[];
}

/** Scans the source roots of a project and generates everything. */
export async function generate(options: GenerateOptions): Promise<ProjectGenerateResult> {
  const projectRoot = path.resolve(options.projectRoot);
  const settings = loadProjectSettings(projectRoot, {
    ...(options.roots ? { roots: options.roots } : {}),
    ...(options.idlDir !== undefined ? { idlDir: options.idlDir } : {}),
    ...(options.generatedDir !== undefined ? { generatedDir: options.generatedDir } : {}),
    ...(options.protoPackage !== undefined ? { protoPackage: options.protoPackage } : {}),
  });
  const { roots, idlDir, generatedDir, protoPackage } = settings;
  const missing = roots.filter((r) => !isDirectory(path.join(projectRoot, r)));
  if (missing.length > 0) {
    throw new ProjectSettingsError(
      `source root${missing.length === 1 ? "" : "s"} ${list(missing)} (from ${settings.rootsOrigin.description}) ` +
        `${missing.length === 1 ? "does" : "do"} not exist in ${projectRoot}; create ${missing.length === 1 ? "it" : "them"}, or ${settings.rootsOrigin.fix}.`,
    );
  }
  const project = options.project ?? createProject(projectRoot);
  const relativePaths = discoverSources(projectRoot, roots);
  const sourceFiles = addSourceFiles(
    project,
    relativePaths.map((p) => path.join(projectRoot, p)),
  );
  const ownedIdl = new Set(roots.map((r) => snakeCase(r.split("/")[0] ?? r)));
  if (protoPackage === "qmi") ownedIdl.delete("core");
  const prefixDir = protoPackage.split(".").join("/");
  const result = generateModules({
    projectRoot,
    modules: sourceFiles.map((sourceFile, i) => ({ sourceFile, logicalPath: relativePaths[i]! })),
    idlDir,
    generatedDir,
    protoPackage,
    reservedProtoFiles: installedQmiTsProtoFiles(projectRoot),
    registryImportsBuiltIns: settings.packageName !== "qmi-ts",
    ownedDirs: [...[...ownedIdl].sort().map((d) => `${idlDir}/${prefixDir}/${d}`), generatedDir],
  });
  const empty = roots.filter((r) => !result.modules.some((m) => m.paths.sourceFile.startsWith(`${r}/`)));
  if (empty.length > 0) {
    throw new ProjectSettingsError(
      `source root${empty.length === 1 ? "" : "s"} ${list(empty)} (from ${settings.rootsOrigin.description}) ` +
        `${empty.length === 1 ? "holds" : "hold"} no driver or task class (an exported class with @rpcMethod ` +
        `members, or extending Task, LoopTask or TaskRunner), so nothing would be generated from ` +
        `${empty.length === 1 ? "it" : "them"}; add one, or ${settings.rootsOrigin.fix}.`,
    );
  }
  return { ...result, settings };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function list(items: readonly string[]): string {
  return items.map((i) => `\`${i}\``).join(", ");
}

/** Generates the given modules. */
export function generateModules(options: GenerateModulesOptions): GenerateResult {
  const projectRoot = path.resolve(options.projectRoot);
  const idlDir = options.idlDir ?? "idl";
  const generatedDir = options.generatedDir ?? "generated";
  const protoPackage = options.protoPackage ?? "qmi";
  const diagnostics: Diagnostic[] = [];
  const planned: PlannedModule[] = [];
  for (const input of [...options.modules].sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1))) {
    diagnostics.push(...findUnresolvedBases(input.sourceFile, projectRoot));
    const classes = scanServiceClasses(input.sourceFile);
    if (classes.length === 0) continue;
    planned.push({ paths: modulePaths(input.logicalPath, protoPackage), classes });
  }
  diagnostics.push(...findPackageCollisions(planned, projectRoot, options.reservedProtoFiles));
  const modules = planned.map(({ paths, classes }) => buildModuleModel({ paths, classes, projectRoot, diagnostics }));
  const files = new Map<string, string>();
  for (const module of modules) {
    files.set(`${idlDir}/${module.paths.protoFile}`, emitProto(module));
    files.set(`${generatedDir}/${module.paths.generatedFile}`, emitTypeScriptModule(module));
  }
  if (options.registry ?? true) files.set(`${generatedDir}/index.ts`, emitRegistry(modules, generatedDir, options.registryImportsBuiltIns ?? false));
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const ownedDirs = options.ownedDirs ?? [
    ...new Set(
      options.modules.map((m) => `${idlDir}/${protoPackage.split(".").join("/")}/${snakeCase(m.logicalPath.split("/")[0]!)}`),
    ),
    generatedDir,
  ];
  return { files: sorted, diagnostics: dedupe(sortDiagnostics(diagnostics)), ownedDirs, modules };
}

/** The same base-class member can be reported once per module; keep one report per place and message. */
function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
