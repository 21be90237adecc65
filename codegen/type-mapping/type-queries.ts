/**
 * Small questions about ts-morph types that several mappers ask.
 *
 * @module
 */
import { Node, type Type } from "ts-morph";

/** True when `type` is the named interface or class declared in a `.d.ts` file (the standard library). */
export function isLibraryType(type: Type, name: string): boolean {
  const symbol = type.getSymbol();
  if (!symbol || symbol.getName() !== name) return false;
  return symbol.getDeclarations().some((d) => d.getSourceFile().isDeclarationFile());
}

/** The element type of `T[]`, `readonly T[]`, `Array<T>` or `ReadonlyArray<T>`, or undefined. */
export function arrayElementType(type: Type): Type | undefined {
  if (!type.isArray() && !type.isReadonlyArray()) return undefined;
  return type.getArrayElementType() ?? type.getTypeArguments()[0];
}

/** The element type node of an array type node (`T[]`, `readonly T[]`, `Array<T>`, `ReadonlyArray<T>`). */
export function arrayElementNode(node: Node | undefined): Node | undefined {
  if (node === undefined) return undefined;
  if (Node.isTypeOperatorTypeNode(node)) return arrayElementNode(node.getTypeNode());
  if (Node.isArrayTypeNode(node)) return node.getElementTypeNode();
  if (Node.isTypeReference(node)) {
    const name = node.getTypeName().getText();
    if (name === "Array" || name === "ReadonlyArray") return node.getTypeArguments()[0];
  }
  return undefined;
}

/** The declaration of an enum type (a TypeScript `enum`), or undefined. */
export function enumDeclarationOf(type: Type): Node | undefined {
  const symbol = type.getSymbol();
  return symbol?.getDeclarations().find((d) => Node.isEnumDeclaration(d));
}
