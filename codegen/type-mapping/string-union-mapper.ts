/**
 * Maps a union of string literals (`"fast" | "slow"`) to a proto enum named after its type alias, or
 * `<Method><Param>` when written inline. Values are numbered from 1 in declaration order, 0 being
 * `<ENUM>_UNSPECIFIED`; the descriptor keeps the string literals.
 *
 * @module
 */
import { Node, type Type } from "ts-morph";
import type { EnumValueDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { joinDoc, readDocComment } from "../doc-comment.ts";
import { upperSnakeCase } from "../naming.ts";
import { claimName } from "./claim-name.ts";
import type { TypeMapper } from "./type-mapper.ts";

/** The literals of a string-literal union in declaration order, read from the syntax where possible. */
function literalsInOrder(type: Type, node: Node | undefined): string[] {
  const ordered: string[] = [];
  const visit = (n: Node | undefined): void => {
    if (n === undefined) return;
    if (Node.isUnionTypeNode(n)) {
      for (const member of n.getTypeNodes()) visit(member);
    } else if (Node.isParenthesizedTypeNode(n)) {
      visit(n.getTypeNode());
    } else if (Node.isLiteralTypeNode(n)) {
      const literal = n.getLiteral();
      if (Node.isStringLiteral(literal)) ordered.push(literal.getLiteralValue());
    } else if (Node.isTypeReference(n)) {
      const alias = n.getType().getAliasSymbol()?.getDeclarations()[0];
      if (alias && Node.isTypeAliasDeclaration(alias)) visit(alias.getTypeNode());
    }
  };
  visit(node);
  const all = type.getUnionTypes().map((t) => String(t.getLiteralValue()));
  const seen = new Set<string>();
  return [...ordered, ...all].filter((v) => all.includes(v) && !seen.has(v) && seen.add(v) !== undefined);
}

/** See the module documentation. */
export const stringUnionMapper: TypeMapper = {
  name: "string-union",
  supports: (type) => type.isUnion() && type.getUnionTypes().every((t) => t.isStringLiteral()),
  map(site, context) {
    const alias = site.type
      .getAliasSymbol()
      ?.getDeclarations()
      .find((d) => Node.isTypeAliasDeclaration(d));
    const name = alias && Node.isTypeAliasDeclaration(alias) ? alias.getName() : site.nameHint;
    const key = alias ?? site.typeNode ?? site.node;
    const what = alias ? `type \`${name}\`` : `the inline union \`${name}\``;
    const claim = claimName(context, site, name, key, what);
    if (claim === "collision") return undefined;
    if (claim === "new") {
      const syntax = alias && Node.isTypeAliasDeclaration(alias) ? alias.getTypeNode() : site.typeNode;
      const literals = literalsInOrder(site.type, syntax);
      const prefix = upperSnakeCase(name);
      const values: EnumValueDescriptor[] = literals.map((value, i) => ({
        value,
        protoName: `${prefix}_${upperSnakeCase(value)}`,
        number: i + 1,
      }));
      const doc = alias ? joinDoc(readDocComment(alias)?.lines) : undefined;
      context.registry.define({
        kind: "enum",
        style: "union",
        members: literals.map((value) => ({ value })),
        descriptor: { name, values, ...(doc !== undefined ? { doc } : {}) },
      });
    }
    return { kind: "enum", name };
  },
};
