/**
 * Maps the typed arrays of the type mapping (`Float64Array`, `Int16Array`, `BigInt64Array`...) to the packed
 * `repeated` field of their element type (`repeated double`, `repeated int32`, `repeated int64`...), so other
 * languages read them as plain lists and `number[]` stays wire compatible with `Float64Array`. `Uint8Array` is
 * `bytes` (see the bytes mapper).
 *
 * @module
 */
import type { TypedArrayName } from "../../runtime/protocol/service-descriptor.ts";
import { TYPED_ARRAY_KINDS } from "../../runtime/protocol/typed-arrays.ts";
import type { TypeMapper } from "./type-mapper.ts";
import { isLibraryType } from "./type-queries.ts";

const names = Object.keys(TYPED_ARRAY_KINDS) as TypedArrayName[];

function typedArrayName(type: Parameters<TypeMapper["supports"]>[0]): TypedArrayName | undefined {
  return names.find((name) => isLibraryType(type, name));
}

/** See the module documentation. */
export const typedArrayMapper: TypeMapper = {
  name: "typed-array",
  supports: (type) => typedArrayName(type) !== undefined,
  map(site) {
    const kind = TYPED_ARRAY_KINDS[typedArrayName(site.type)!];
    return { kind: "list", of: { kind: "scalar", proto: kind.proto, ...(kind.bigint ? { bigint: true } : {}) }, typed: kind.name };
  },
};
