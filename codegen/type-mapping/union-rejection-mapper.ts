/**
 * Rejects unions that are neither string literals nor an enum (`string | number`, `T | null`, `1 | 2`).
 *
 * @module
 */
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const unionRejectionMapper: TypeMapper = {
  name: "union-rejection",
  supports: (type) => type.isUnion(),
  map(site, context) {
    const text = siteTypeText(site);
    if (site.type.getUnionTypes().some((t) => t.isNull())) {
      context.report(
        site,
        DiagnosticCode.Null,
        `${capitalize(site.holder)} has type \`${text}\`; protobuf has no null.`,
        "Make the parameter or property optional (`name?: T`) instead of allowing `null`.",
      );
    } else {
      context.report(
        site,
        DiagnosticCode.MixedUnion,
        `${capitalize(site.holder)} has the union type \`${text}\`, which has no protobuf equivalent.`,
        'Use one type; for a choice of names use a string-literal union (`"a" | "b"`) or an enum, and for alternatives an interface with optional properties.',
      );
    }
    return undefined;
  },
};
