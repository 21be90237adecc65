/**
 * Maps a TypeScript `enum` to a proto enum: `<ENUM>_UNSPECIFIED = 0`, then the members numbered from 1 in
 * declaration order, named `<ENUM>_<MEMBER>` in UPPER_SNAKE. The descriptor keeps each member's TypeScript value.
 *
 * @module
 */
import { Node } from "ts-morph";
import type { EnumValueDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { joinDoc, readDocComment } from "../doc-comment.ts";
import type { EnumMemberModel } from "../model.ts";
import { upperSnakeCase } from "../naming.ts";
import { claimName } from "./claim-name.ts";
import type { TypeMapper } from "./type-mapper.ts";
import { enumDeclarationOf } from "./type-queries.ts";

/** See the module documentation. */
export const enumMapper: TypeMapper = {
  name: "enum",
  supports: (type) => (type.isUnion() || type.isEnum()) && enumDeclarationOf(type) !== undefined,
  map(site, context) {
    const declaration = enumDeclarationOf(site.type)!;
    if (!Node.isEnumDeclaration(declaration)) return undefined;
    const name = declaration.getName();
    const claim = claimName(context, site, name, declaration, `enum \`${name}\``);
    if (claim === "collision") return undefined;
    if (claim === "new") {
      const prefix = upperSnakeCase(name);
      const members: EnumMemberModel[] = [];
      const values: EnumValueDescriptor[] = [];
      declaration.getMembers().forEach((member, i) => {
        const value = member.getValue() ?? i;
        const doc = joinDoc(readDocComment(member)?.lines);
        members.push({ name: member.getName(), value, ...(doc !== undefined ? { doc } : {}) });
        values.push({ value, protoName: `${prefix}_${upperSnakeCase(member.getName())}`, number: i + 1 });
      });
      const doc = joinDoc(readDocComment(declaration)?.lines);
      context.registry.define({
        kind: "enum",
        style: "enum",
        members,
        descriptor: { name, values, ...(doc !== undefined ? { doc } : {}) },
      });
    }
    return { kind: "enum", name };
  },
};
