/**
 * Maps interfaces and type literals to messages. The message is named after the interface or type alias; an
 * inline type literal is named by its site (`<Method><Param>`, `<ParentMessage><Field>`). Properties become
 * fields in declaration order (snake_case names, numbers from 1), optional properties `optional` fields, and
 * property TSDoc the field docs.
 *
 * @module
 */
import { Node, type Type } from "ts-morph";
import type { FieldDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { DiagnosticCode } from "../diagnostic.ts";
import { joinDoc, readDocComment } from "../doc-comment.ts";
import { pascalCase, snakeCase } from "../naming.ts";
import { claimName } from "./claim-name.ts";
import type { TypeMapper, TypeSite } from "./type-mapper.ts";

function declarationsOf(type: Type): Node[] {
  return type.getSymbol()?.getDeclarations() ?? [];
}

/** See the module documentation. */
export const messageMapper: TypeMapper = {
  name: "message",
  supports(type) {
    if (!type.isObject() || type.isArray() || type.isReadonlyArray() || type.isTuple()) return false;
    const declarations = declarationsOf(type);
    return (
      declarations.length > 0 &&
      declarations.every(
        (d) => (Node.isInterfaceDeclaration(d) || Node.isTypeLiteral(d)) && !d.getSourceFile().isDeclarationFile(),
      )
    );
  },
  map(site, context) {
    const declaration = declarationsOf(site.type)[0]!;
    const aliasDeclaration = site.type
      .getAliasSymbol()
      ?.getDeclarations()
      .find((d) => Node.isTypeAliasDeclaration(d));
    let name: string;
    let key: Node;
    let docNode: Node | undefined;
    let generic = false;
    if (Node.isInterfaceDeclaration(declaration)) {
      name = declaration.getName();
      key = declaration;
      docNode = declaration;
      generic = declaration.getTypeParameters().length > 0;
    } else if (aliasDeclaration && Node.isTypeAliasDeclaration(aliasDeclaration)) {
      name = aliasDeclaration.getName();
      key = aliasDeclaration;
      docNode = aliasDeclaration;
      generic = aliasDeclaration.getTypeParameters().length > 0;
    } else {
      name = site.nameHint;
      key = declaration;
    }
    if (generic) {
      context.report(
        site,
        DiagnosticCode.GenericType,
        `${site.holder[0]!.toUpperCase()}${site.holder.slice(1)} has type \`${site.typeNode?.getText() ?? site.type.getText(site.node)}\`, an instance of the generic type \`${name}\`.`,
        `Declare a non-generic interface for this use (e.g. \`interface ${name}OfNumber { ... }\`) and use it instead.`,
      );
      return undefined;
    }
    const what = Node.isInterfaceDeclaration(declaration)
      ? `interface \`${name}\``
      : docNode
        ? `type \`${name}\``
        : `the inline type literal \`${name}\``;
    const claim = claimName(context, site, name, key, what);
    if (claim === "collision") return undefined;
    if (claim === "existing") return { kind: "message", name };

    if (site.type.getStringIndexType() !== undefined || site.type.getNumberIndexType() !== undefined) {
      context.report(
        site,
        DiagnosticCode.Unsupported,
        `${what} has both properties and an index signature, which has no protobuf equivalent.`,
        "Move the dynamic entries into a property of type `Record<string, T>`.",
      );
    }
    const fields: FieldDescriptor[] = [];
    for (const property of site.type.getProperties()) {
      const propertyDeclaration = property.getValueDeclaration() ?? property.getDeclarations()[0] ?? site.node;
      const propertyName = property.getName();
      const holder = `property \`${propertyName}\` of \`${name}\``;
      const typeNode = Node.isPropertySignature(propertyDeclaration) ? propertyDeclaration.getTypeNode() : undefined;
      const fieldSite: TypeSite = {
        type: typeNode?.getType() ?? property.getTypeAtLocation(site.node),
        node: typeNode ?? propertyDeclaration,
        ...(typeNode ? { typeNode } : {}),
        nameHint: `${name}${pascalCase(propertyName)}`,
        holder,
      };
      const mapped = context.mapField(fieldSite, property.isOptional());
      if (mapped === undefined) continue;
      const doc = joinDoc(readDocComment(propertyDeclaration)?.lines);
      fields.push({
        name: propertyName,
        protoName: snakeCase(propertyName),
        number: fields.length + 1,
        type: mapped.type,
        optional: mapped.optional,
        ...(doc !== undefined ? { doc } : {}),
      });
    }
    const doc = docNode ? joinDoc(readDocComment(docNode)?.lines) : undefined;
    context.registry.define({ kind: "message", descriptor: { name, fields, ...(doc !== undefined ? { doc } : {}) } });
    return { kind: "message", name };
  },
};
