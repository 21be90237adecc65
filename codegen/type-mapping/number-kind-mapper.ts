/**
 * Maps the runtime's number kinds (`int32`, `uint32`, `int64`, `uint64`, `float32`) to protobuf scalars.
 *
 * A kind is `number & { readonly __qmiNumberKind?: K }`; it is recognised by that phantom property's string
 * literal type, not by the alias name, so re-exported or renamed aliases work too.
 *
 * @module
 */
import type { Node, Type } from "ts-morph";
import type { ProtoScalar } from "../../runtime/protocol/service-descriptor.ts";
import { DiagnosticCode } from "../diagnostic.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

const kinds: Readonly<Record<string, ProtoScalar>> = {
  int32: "int32",
  uint32: "uint32",
  int64: "int64",
  uint64: "uint64",
  float: "float",
};

/** The kind literal of a number-kind type (e.g. `"int32"`), or undefined when `type` is not one. */
export function numberKindOf(type: Type, location: Node): string | undefined {
  if (!type.isIntersection()) return undefined;
  const parts = type.getIntersectionTypes();
  if (!parts.some((p) => p.isNumber())) return undefined;
  for (const part of parts) {
    const property = part.getProperty("__qmiNumberKind");
    if (!property) continue;
    const propertyType = property.getTypeAtLocation(location);
    const candidates = propertyType.isUnion() ? propertyType.getUnionTypes() : [propertyType];
    const literal = candidates.find((c) => c.isStringLiteral());
    if (literal) return String(literal.getLiteralValue());
  }
  return undefined;
}

/** See the module documentation. */
export const numberKindMapper: TypeMapper = {
  name: "number-kind",
  supports: (type, site) => numberKindOf(type, site.node) !== undefined,
  map(site, context) {
    const kind = numberKindOf(site.type, site.node)!;
    const proto = kinds[kind];
    if (proto === undefined) {
      context.report(
        site,
        DiagnosticCode.Unsupported,
        `Unknown number kind \`${kind}\` in \`${siteTypeText(site)}\`.`,
        "Use one of the runtime's number kinds: `int32`, `uint32`, `int64`, `uint64`, `float32`, or `number`.",
      );
      return undefined;
    }
    return { kind: "scalar", proto };
  },
};
