/**
 * Maps `Uint8Array` to protobuf `bytes`.
 *
 * @module
 */
import type { TypeMapper } from "./type-mapper.ts";
import { isLibraryType } from "./type-queries.ts";

/** See the module documentation. */
export const bytesMapper: TypeMapper = {
  name: "bytes",
  supports: (type) => isLibraryType(type, "Uint8Array"),
  map: () => ({ kind: "scalar", proto: "bytes" }),
};
