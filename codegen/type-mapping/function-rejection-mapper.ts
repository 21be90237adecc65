/**
 * Rejects function types (callbacks cannot be sent to another process).
 *
 * @module
 */
import { DiagnosticCode } from "../diagnostic.ts";
import { capitalize } from "./keyword-rejection-mapper.ts";
import { siteTypeText, type TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const functionRejectionMapper: TypeMapper = {
  name: "function-rejection",
  supports: (type) => type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0,
  map(site, context) {
    context.report(
      site,
      DiagnosticCode.Function,
      `${capitalize(site.holder)} has the function type \`${siteTypeText(site)}\`; functions cannot be sent to another process.`,
      "Send data instead; to notify a client of events, declare a `@signal` and let the client subscribe to it.",
    );
    return undefined;
  },
};
