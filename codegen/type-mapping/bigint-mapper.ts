/**
 * Maps `bigint` to protobuf `int64`, decoded as a `bigint` (`bigint: true`).
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";

/** See the module documentation. */
export const bigintMapper: TypeMapper = {
  name: "bigint",
  supports: (type) => type.isBigInt(),
  map: () => ({ kind: "scalar", proto: "int64", bigint: true }),
};
