/**
 * Maps `Date` to `google.protobuf.Timestamp`.
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";
import { isLibraryType } from "./type-queries.ts";

/** See the module documentation. */
export const dateMapper: TypeMapper = {
  name: "date",
  supports: (type) => isLibraryType(type, "Date"),
  map: () => ({ kind: "timestamp" }),
};
