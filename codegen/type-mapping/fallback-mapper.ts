/**
 * The last mapper of the chain: reports any type no other mapper supports.
 *
 * @module
 */
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const fallbackMapper: TypeMapper = {
  name: "fallback",
  supports: () => true,
  map(site, context) {
    context.report(
      site,
      DiagnosticCode.Unsupported,
      `${capitalize(site.holder)} has type \`${siteTypeText(site)}\`, which has no protobuf mapping.`,
      "Use number, an int32/uint32/int64/uint64/float32 kind, bigint, string, boolean, Uint8Array, a typed array (Float64Array, Int16Array...), Date, an array, Record<string, T>, an interface, a type literal, an enum or a string-literal union.",
    );
    return undefined;
  },
};
