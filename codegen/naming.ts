/**
 * Name conversions between TypeScript and protobuf, and the paths of generated files.
 *
 * @module
 */

export { snakeCase, upperSnakeCase } from "../runtime/protocol/proto-names.ts";
import { snakeCase } from "../runtime/protocol/proto-names.ts";

/** `setFrequency` -> `SetFrequency`, `sample_taken` -> `SampleTaken`, `fast-mode` -> `FastMode`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

/** Where one source module's outputs go, derived from its path relative to the project root and the package prefix. */
export interface ModulePaths {
  /** The source module, e.g. `drivers/dummy/noisy-sine-generator.ts`. */
  readonly sourceFile: string;
  /** `.proto` path relative to `idl/`, e.g. `qmi/drivers/dummy/noisy_sine_generator.proto` (the package's path). */
  readonly protoFile: string;
  /** e.g. `qmi.drivers.dummy.noisy_sine_generator`. */
  readonly protoPackage: string;
  /** Generated TypeScript module relative to the generated dir, e.g. `drivers/dummy/noisy-sine-generator.ts`. */
  readonly generatedFile: string;
}

/**
 * Paths of a module: every folder and the file name are snake_cased for the proto package and the `.proto` path,
 * both led by the project's proto package prefix (`qmi` for qmi-ts itself, e.g. `acme` for a lab:
 * `drivers/acme/psu.ts` -> package `acme.drivers.acme.psu` in `acme/drivers/acme/psu.proto`); the generated
 * TypeScript mirrors the source path.
 */
export function modulePaths(sourceFile: string, protoPackagePrefix = "qmi"): ModulePaths {
  const withoutExt = sourceFile.replace(/\.(m|c)?tsx?$/, "");
  const segments = withoutExt.split("/").map(snakeCase);
  const prefix = protoPackagePrefix.split(".");
  return {
    sourceFile,
    protoFile: `${[...prefix, ...segments].join("/")}.proto`,
    protoPackage: [...prefix, ...segments].join("."),
    generatedFile: `${withoutExt}.ts`,
  };
}
