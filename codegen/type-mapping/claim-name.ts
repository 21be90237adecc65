/**
 * Claims a message or enum name in the package's registry, reporting a collision as a diagnostic.
 *
 * @module
 */
import type { Node } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import type { MappingContext, TypeSite } from "./type-mapper.ts";
import * as path from "node:path";

/** "new" when the caller must define the type, "existing" when it is defined already, "collision" on error. */
export function claimName(
  context: MappingContext,
  site: TypeSite,
  name: string,
  key: Node,
  what: string,
): "new" | "existing" | "collision" {
  const sourceFile = key.getSourceFile();
  const where = `${path.relative(context.projectRoot, sourceFile.getFilePath()).split(path.sep).join("/")}:${key.getStartLineNumber()}`;
  const result = context.registry.claim(name, { key, description: `${what} (${where})` });
  if (result.status !== "collision") return result.status;
  context.report(
    site,
    DiagnosticCode.NameCollision,
    `The proto name \`${name}\` of ${what} (${where}) is already used by ${result.owner.description}.`,
    "Rename one of the two types so that every message and enum of the module has its own name.",
  );
  return "collision";
}
