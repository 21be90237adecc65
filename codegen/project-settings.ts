/**
 * The generator's settings for one project, read from the `qmi` section of its `package.json`:
 *
 * ```json
 * {
 *   "name": "@acme/lab-tools",
 *   "qmi": { "roots": ["drivers"], "idl": "idl", "generated": "generated", "protoPackage": "acme" }
 * }
 * ```
 *
 * Every key is optional. Defaults: `roots` `["drivers"]`, `idl` `"idl"`, `generated` `"generated"`, and a proto
 * package prefix derived from the package name (`@acme/lab-tools` -> `acme.lab_tools`), so a lab's services never
 * share a name with qmi-ts's own. qmi-ts itself (package name `qmi-ts`) defaults to roots `drivers` and
 * `examples` under the prefix `qmi`. Command-line flags override the section key by key.
 *
 * The section is checked strictly: an unknown key or a value of the wrong type is a {@link ProjectSettingsError}
 * naming `package.json` and the key.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { snakeCase } from "./naming.ts";

/** The settings of the `qmi` section that flags can override (all optional). */
export interface SettingsOverrides {
  /** Source roots relative to the project root. */
  readonly roots?: readonly string[];
  /** Where `.proto` files go, relative to the project root. */
  readonly idlDir?: string;
  /** Where generated TypeScript goes, relative to the project root. */
  readonly generatedDir?: string;
  /** Proto package prefix, e.g. `acme` or `acme.lab_tools`. */
  readonly protoPackage?: string;
}

/** Where one setting came from, worded for messages. */
export interface SettingOrigin {
  /** e.g. `qmi.roots in package.json`, `--root`, `the default for a project without qmi.roots`. */
  readonly description: string;
  /** What to change to fix it, e.g. ``change `qmi.roots` in package.json``. */
  readonly fix: string;
}

/** The resolved settings of a project. */
export interface ProjectSettings {
  /** The project root (absolute). */
  readonly projectRoot: string;
  /** The package name from `package.json`. */
  readonly packageName: string | undefined;
  /** Source roots, project-relative with `/` separators, no trailing slash. */
  readonly roots: readonly string[];
  readonly idlDir: string;
  readonly generatedDir: string;
  /** Proto package prefix. */
  readonly protoPackage: string;
  /** Where `roots` came from. */
  readonly rootsOrigin: SettingOrigin;
}

/** A `package.json` or flag setting the generator cannot use; the message names the file or flag and the key. */
export class ProjectSettingsError extends Error {
  override readonly name = "ProjectSettingsError";
}

/** The keys of the `qmi` section, with the flag that overrides each. */
const sectionKeys = {
  roots: "--root",
  idl: "--idl",
  generated: "--generated",
  protoPackage: "--proto-package",
} as const;

type SectionKey = keyof typeof sectionKeys;

/** The package whose defaults are the historical ones of this repository. */
const selfPackageName = "qmi-ts";

const protoPackagePattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The proto package prefix derived from an npm package name: scope and name, snake_cased, joined by a dot
 * (`@acme/lab-tools` -> `acme.lab_tools`, `lab-tools` -> `lab_tools`). Undefined when a part would not be a proto
 * identifier (e.g. it starts with a digit) or the result would be qmi-ts's own `qmi`.
 */
export function protoPackageFromName(name: string): string | undefined {
  const parts = name.replace(/^@/, "").split("/").map(snakeCase);
  const prefix = parts.join(".");
  if (!protoPackagePattern.test(prefix) || prefix === "qmi" || prefix.startsWith("qmi.")) return undefined;
  return prefix;
}

/** Reads and checks `<projectRoot>/package.json`'s `qmi` section, then applies `overrides`. */
export function loadProjectSettings(projectRoot: string, overrides: SettingsOverrides = {}): ProjectSettings {
  const root = path.resolve(projectRoot);
  const file = path.join(root, "package.json");
  const where = `${file}`;
  let pkg: unknown;
  try {
    pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ProjectSettingsError(
        `${root} has no package.json; qmi gen reads the project's name and its "qmi" section from it. ` +
          `Run it in the lab project's folder (or pass --project), or create one with \`npm init\`.`,
      );
    }
    throw new ProjectSettingsError(`${where} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
  if (!isPlainObject(pkg)) throw new ProjectSettingsError(`${where}: expected a JSON object; fix the file.`);
  const name = pkg["name"];
  if (name !== undefined && typeof name !== "string") {
    throw new ProjectSettingsError(`${where}: \`name\` must be a string, found ${describeValue(name)}.`);
  }
  const section = readSection(where, pkg["qmi"]);
  const isSelf = name === selfPackageName;

  const rootsOrigin: SettingOrigin = overrides.roots
    ? { description: "--root", fix: "pass an existing folder to --root" }
    : section.roots
      ? { description: `qmi.roots in ${where}`, fix: "change `qmi.roots` in package.json" }
      : {
          description: `the default roots, as ${where} sets no qmi.roots`,
          fix: 'set `"qmi": { "roots": [...] }` in package.json to the folders holding your drivers and tasks',
        };
  const rawRoots = overrides.roots ?? section.roots ?? (isSelf ? ["drivers", "examples"] : ["drivers"]);
  const roots = [
    ...new Set(rawRoots.map((r) => projectRelative(r, overrides.roots ? "--root" : `${where}: qmi.roots`))),
  ];
  if (roots.length === 0) {
    throw new ProjectSettingsError(`${where}: \`qmi.roots\` is empty; list at least one folder, e.g. ["drivers"].`);
  }
  const idlDir = projectRelative(
    overrides.idlDir ?? section.idl ?? "idl",
    overrides.idlDir !== undefined ? "--idl" : `${where}: qmi.idl`,
  );
  const generatedDir = projectRelative(
    overrides.generatedDir ?? section.generated ?? "generated",
    overrides.generatedDir !== undefined ? "--generated" : `${where}: qmi.generated`,
  );
  for (const r of roots) {
    if (isInside(generatedDir, r) || isInside(r, generatedDir)) {
      throw new ProjectSettingsError(
        `${where}: the generated folder \`${generatedDir}\` and the source root \`${r}\` overlap, so the generator ` +
          "would read its own output; keep `qmi.generated` and `qmi.roots` apart.",
      );
    }
  }

  let protoPackage: string;
  if (overrides.protoPackage !== undefined) {
    if (!protoPackagePattern.test(overrides.protoPackage)) {
      throw new ProjectSettingsError(
        `--proto-package \`${overrides.protoPackage}\` is not a proto package name; write dot-separated identifiers, e.g. acme.lab.`,
      );
    }
    protoPackage = overrides.protoPackage;
  } else if (section.protoPackage !== undefined) {
    protoPackage = section.protoPackage;
  } else if (isSelf) {
    protoPackage = "qmi";
  } else {
    const derived = typeof name === "string" ? protoPackageFromName(name) : undefined;
    if (derived === undefined) {
      throw new ProjectSettingsError(
        `${where}: ${name === undefined ? "there is no `name`" : `the name \`${name}\` gives no usable proto package`}` +
          ' to derive the proto package prefix from; set `"qmi": { "protoPackage": "acme" }` (your lab\'s name).',
      );
    }
    protoPackage = derived;
  }
  return {
    projectRoot: root,
    packageName: name,
    roots,
    idlDir,
    generatedDir,
    protoPackage,
    rootsOrigin,
  };
}

interface Section {
  roots?: string[];
  idl?: string;
  generated?: string;
  protoPackage?: string;
}

function readSection(where: string, value: unknown): Section {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ProjectSettingsError(`${where}: \`qmi\` must be an object, found ${describeValue(value)}.`);
  }
  const section: Section = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(key in sectionKeys)) {
      const known = Object.keys(sectionKeys);
      const near = known.find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 3)));
      throw new ProjectSettingsError(
        `${where}: unknown key \`qmi.${key}\`${near ? ` (did you mean \`qmi.${near}\`?)` : ""}; ` +
          `the keys are ${known.map((k) => `\`${k}\``).join(", ")}.`,
      );
    }
    const k = key as SectionKey;
    if (k === "roots") {
      if (!Array.isArray(v) || v.some((r) => typeof r !== "string" || r === "")) {
        throw new ProjectSettingsError(
          `${where}: \`qmi.roots\` must be an array of folder names, e.g. ["drivers"], found ${describeValue(v)}.`,
        );
      }
      section.roots = v as string[];
    } else if (typeof v !== "string" || v === "") {
      throw new ProjectSettingsError(
        `${where}: \`qmi.${k}\` must be a non-empty string (or pass ${sectionKeys[k]}), found ${describeValue(v)}.`,
      );
    } else if (k === "protoPackage") {
      if (!protoPackagePattern.test(v)) {
        throw new ProjectSettingsError(
          `${where}: \`qmi.protoPackage\` \`${v}\` is not a proto package name; write dot-separated identifiers, e.g. "acme.lab".`,
        );
      }
      section.protoPackage = v;
    } else {
      section[k] = v;
    }
  }
  return section;
}

/** `./drivers/` -> `drivers`; refuses absolute paths and paths leaving the project. */
function projectRelative(value: string, where: string): string {
  const normalized = path.posix.normalize(value.split(path.sep).join("/")).replace(/\/+$/, "");
  if (path.isAbsolute(value) || normalized === "." || normalized === "" || normalized.startsWith("../") || normalized === "..") {
    throw new ProjectSettingsError(
      `${where}: \`${value}\` must be a folder inside the project, relative to its root (e.g. "drivers").`,
    );
  }
  return normalized;
}

/** True when folder `inner` is `outer` or below it (both project-relative, normalised). */
function isInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array (${JSON.stringify(value)})`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
