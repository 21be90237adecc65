/**
 * Maps `T[]`, `readonly T[]`, `Array<T>` and `ReadonlyArray<T>` to `repeated T`. Arrays of arrays are errors.
 *
 * @module
 */
import { Node } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";
import { arrayElementNode, arrayElementType } from "./type-queries.ts";

/** See the module documentation. */
export const arrayMapper: TypeMapper = {
  name: "array",
  supports: (type) => arrayElementType(type) !== undefined,
  map(site, context) {
    const elementNode = arrayElementNode(site.typeNode);
    const elementTypeNode = elementNode && Node.isTypeNode(elementNode) ? elementNode : undefined;
    const elementType = elementTypeNode?.getType() ?? arrayElementType(site.type)!;
    const of = context.mapNested({
      type: elementType,
      node: elementTypeNode ?? site.node,
      ...(elementTypeNode ? { typeNode: elementTypeNode } : {}),
      nameHint: site.nameHint,
      holder: `the elements of ${site.holder}`,
    });
    if (of === undefined) return undefined;
    if (of.kind === "list" || of.kind === "map") {
      context.report(
        site,
        DiagnosticCode.NestedCollection,
        `${capitalize(site.holder)} has type \`${siteTypeText(site)}\`; protobuf has no arrays of arrays or of maps.`,
        "Wrap the inner collection in an interface (`interface Row { values: number[] }`) and use an array of it (`Row[]`).",
      );
      return undefined;
    }
    return { kind: "list", of };
  },
};
