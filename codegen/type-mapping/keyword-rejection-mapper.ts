/**
 * Rejects keyword types with no protobuf equivalent: `any`, `unknown`, `null`, `undefined`/`void` where no
 * optional field is possible, `never`, `symbol` and `object`.
 *
 * @module
 */
import { TypeFlags, type Type } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const keywordRejectionMapper: TypeMapper = {
  name: "keyword-rejection",
  supports(type: Type): boolean {
    return (
      type.isAny() ||
      type.isUnknown() ||
      type.isNull() ||
      type.isUndefined() ||
      type.isVoid() ||
      type.isNever() ||
      (type.getFlags() & TypeFlags.ESSymbolLike) !== 0 ||
      (type.getFlags() & TypeFlags.NonPrimitive) !== 0
    );
  },
  map(site, context) {
    const { type } = site;
    const text = siteTypeText(site);
    const what = `${capitalize(site.holder)} has type \`${text}\``;
    if (type.isAny()) {
      context.report(
        site,
        DiagnosticCode.Any,
        `${what}, which has no protobuf equivalent.`,
        "Write a concrete type instead, e.g. `number`, `string`, an interface or a string-literal union.",
      );
    } else if (type.isUnknown()) {
      context.report(
        site,
        DiagnosticCode.Unknown,
        `${what}, which has no protobuf equivalent.`,
        "Write the concrete type of the value instead, e.g. `number`, `string` or an interface.",
      );
    } else if (type.isNull()) {
      context.report(
        site,
        DiagnosticCode.Null,
        `${what}; protobuf has no null.`,
        "Make the parameter or property optional (`name?: T`) instead of allowing `null`.",
      );
    } else if (type.isUndefined() || type.isVoid()) {
      context.report(
        site,
        DiagnosticCode.MisplacedUndefined,
        `${what}; only parameters, properties and results can be optional.`,
        "Remove `undefined` here; make the enclosing parameter or property optional instead (`name?: T`).",
      );
    } else if ((type.getFlags() & TypeFlags.ESSymbolLike) !== 0) {
      context.report(
        site,
        DiagnosticCode.Symbol,
        `${what}; symbols cannot be sent to another process.`,
        "Use a `string` or a string-literal union instead.",
      );
    } else {
      context.report(
        site,
        DiagnosticCode.Unsupported,
        `${what}, which has no protobuf equivalent.`,
        "Write a concrete type instead, e.g. an interface describing the value.",
      );
    }
    return undefined;
  },
};

/** "parameter `x`" -> "Parameter `x`". */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
