/**
 * Builds the descriptor of one `@rpcConstant`: its name, its TypeScript type (literal types widened, so
 * `static readonly X = 2.0` is a `number`) and its TSDoc.
 *
 * @module
 */
import { TypeFormatFlags, type PropertyDeclaration } from "ts-morph";
import type { ConstantDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { ScannedMember } from "./class-scanner.ts";
import { joinDoc } from "./doc-comment.ts";

/** Builds one constant. */
export function buildConstant(member: ScannedMember<PropertyDeclaration>): ConstantDescriptor {
  const { name, declaration, doc } = member;
  const typeNode = declaration.getTypeNode();
  const type = typeNode
    ? typeNode.getText()
    : declaration
        .getType()
        .getBaseTypeOfLiteralType()
        .getText(declaration, TypeFormatFlags.UseAliasDefinedOutsideCurrentScope | TypeFormatFlags.NoTruncation);
  const docText = joinDoc(doc?.lines);
  return { name, type, ...(docText !== undefined ? { doc: docText } : {}) };
}
