/**
 * Maps `Record<string, T>` (or `{ [key: string]: T }`) to `map<string, T>`. Other key types and collection
 * values are errors.
 *
 * @module
 */
import { Node, type Type, type TypeNode } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

function isIndexOnly(type: Type): boolean {
  return (
    type.isObject() &&
    !type.isArray() &&
    !type.isReadonlyArray() &&
    type.getProperties().length === 0 &&
    type.getCallSignatures().length === 0 &&
    (type.getStringIndexType() !== undefined || type.getNumberIndexType() !== undefined)
  );
}

/** The value type node of `Record<K, V>` or `{ [key: string]: V }`. */
function valueNodeOf(node: TypeNode | undefined): TypeNode | undefined {
  if (node === undefined) return undefined;
  if (Node.isTypeReference(node) && node.getTypeName().getText() === "Record") return node.getTypeArguments()[1];
  if (Node.isTypeLiteral(node)) return node.getIndexSignatures()[0]?.getReturnTypeNode();
  return undefined;
}

/** See the module documentation. */
export const recordMapper: TypeMapper = {
  name: "record",
  supports: isIndexOnly,
  map(site, context) {
    const valueType = site.type.getStringIndexType();
    if (valueType === undefined) {
      context.report(
        site,
        DiagnosticCode.RecordKey,
        `${capitalize(site.holder)} has type \`${siteTypeText(site)}\`; protobuf maps here need string keys.`,
        "Use `Record<string, T>` and convert the keys to strings.",
      );
      return undefined;
    }
    const valueNode = valueNodeOf(site.typeNode);
    const of = context.mapNested({
      type: valueNode?.getType() ?? valueType,
      node: valueNode ?? site.node,
      ...(valueNode ? { typeNode: valueNode } : {}),
      nameHint: site.nameHint,
      holder: `the values of ${site.holder}`,
    });
    if (of === undefined) return undefined;
    if (of.kind === "list" || of.kind === "map") {
      context.report(
        site,
        DiagnosticCode.NestedCollection,
        `${capitalize(site.holder)} has type \`${siteTypeText(site)}\`; protobuf map values cannot be arrays or maps.`,
        "Wrap the value in an interface (`interface Entry { values: number[] }`) and use `Record<string, Entry>`.",
      );
      return undefined;
    }
    return { kind: "map", of };
  },
};
