/**
 * Maps `boolean` to protobuf `bool`.
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const booleanMapper: TypeMapper = {
  name: "boolean",
  supports: (type) => type.isBoolean(),
  map: () => ({ kind: "scalar", proto: "bool" }),
};
