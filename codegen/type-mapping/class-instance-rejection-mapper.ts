/**
 * Rejects class instances: only plain data (interfaces and type literals) travels as a message.
 *
 * @module
 */
import { Node } from "ts-morph";
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const classInstanceRejectionMapper: TypeMapper = {
  name: "class-instance-rejection",
  supports: (type) =>
    type.isClass() ||
    (type
      .getSymbol()
      ?.getDeclarations()
      .some((d) => Node.isClassDeclaration(d)) ??
      false),
  map(site, context) {
    context.report(
      site,
      DiagnosticCode.ClassInstance,
      `${capitalize(site.holder)} has type \`${siteTypeText(site)}\`, an instance of a class, which cannot be sent as a message.`,
      "Declare an interface with the data to send (e.g. `interface Reading { watts: number }`) and use it instead of the class.",
    );
    return undefined;
  },
};
