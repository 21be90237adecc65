/**
 * Rejects collections protobuf cannot carry as such: `Map`, `Set` (and their read-only and weak variants) and
 * tuples.
 *
 * @module
 */
import type { Type } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";
import { isLibraryType } from "./type-queries.ts";

const mapNames = ["Map", "ReadonlyMap", "WeakMap"];
const setNames = ["Set", "ReadonlySet", "WeakSet"];

function isOneOf(type: Type, names: readonly string[]): boolean {
  return names.some((name) => isLibraryType(type, name));
}

/** See the module documentation. */
export const collectionRejectionMapper: TypeMapper = {
  name: "collection-rejection",
  supports: (type) => type.isTuple() || isOneOf(type, mapNames) || isOneOf(type, setNames),
  map(site, context) {
    const text = siteTypeText(site);
    const what = capitalize(site.holder);
    if (site.type.isTuple()) {
      context.report(
        site,
        DiagnosticCode.Tuple,
        `${what} has the tuple type \`${text}\`, which has no protobuf equivalent.`,
        "Use an interface with named properties (`{ x: number; y: number }`) or an array (`number[]`) instead.",
      );
    } else if (isOneOf(site.type, mapNames)) {
      context.report(
        site,
        DiagnosticCode.Map,
        `${what} has type \`${text}\`; a \`Map\` cannot be sent as such.`,
        "Use `Record<string, T>` (a protobuf map) instead, e.g. `Object.fromEntries(map)`.",
      );
    } else {
      context.report(
        site,
        DiagnosticCode.Set,
        `${what} has type \`${text}\`; a \`Set\` cannot be sent as such.`,
        "Use an array (`T[]`) instead, e.g. `[...set]`.",
      );
    }
    return undefined;
  },
};
