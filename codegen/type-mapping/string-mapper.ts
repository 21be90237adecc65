/**
 * Maps `string` to protobuf `string`.
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const stringMapper: TypeMapper = {
  name: "string",
  supports: (type) => type.isString(),
  map: () => ({ kind: "scalar", proto: "string" }),
};
