/**
 * Maps `number` to protobuf `double`.
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const numberMapper: TypeMapper = {
  name: "number",
  supports: (type) => type.isNumber(),
  map: () => ({ kind: "scalar", proto: "double" }),
};
