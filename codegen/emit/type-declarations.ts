/**
 * Re-declares a module's messages and enums in generated TypeScript, so clients never import driver code:
 * interfaces for messages, type aliases for string-literal unions, `enum`s (same members and values) for enums.
 *
 * @module
 */
import type { EnumModel, MessageModel, NamedTypeModel } from "../model.ts";
import { tsTypeText } from "../../runtime/protocol/type-text.ts";
import { docLines, tsDocBlock } from "./doc-block.ts";
import { printWidth, quoteString } from "./js-literal.ts";

function interfaceDeclaration(model: MessageModel, used: Set<string>): string {
  const d = model.descriptor;
  const head = `${tsDocBlock(docLines(d.doc))}export interface ${d.name} {`;
  if (d.fields.length === 0) return `${head}}\n`;
  const members = d.fields.map(
    (f) => `${tsDocBlock(docLines(f.doc), "  ")}  ${f.name}${f.optional ? "?" : ""}: ${tsTypeText(f.type, { used })};\n`,
  );
  return `${head}\n${members.join("")}}\n`;
}

function enumValueText(value: string | number): string {
  return typeof value === "string" ? quoteString(value) : String(value);
}

function enumDeclaration(model: EnumModel): string {
  const d = model.descriptor;
  const doc = tsDocBlock(docLines(d.doc));
  if (model.style === "union") {
    const literals = model.members.map((m) => enumValueText(m.value));
    const oneLine = `export type ${d.name} = ${literals.join(" | ")};`;
    if (oneLine.length <= printWidth) return `${doc}${oneLine}\n`;
    return `${doc}export type ${d.name} =\n${literals.map((l, i) => `  | ${l}${i === literals.length - 1 ? ";" : ""}\n`).join("")}`;
  }
  const members = model.members.map(
    (m) => `${tsDocBlock(docLines(m.doc), "  ")}  ${m.name} = ${enumValueText(m.value)},\n`,
  );
  return `${doc}export enum ${d.name} {\n${members.join("")}}\n`;
}

/** The TypeScript declaration of a message or enum; `used` collects runtime type aliases to import. */
export function typeDeclaration(model: NamedTypeModel, used: Set<string>): string {
  return model.kind === "message" ? interfaceDeclaration(model, used) : enumDeclaration(model);
}
