/**
 * The protobuf spelling of a {@link TypeDescriptor} (its TypeScript one is `runtime/protocol/type-text.ts`).
 *
 * @module
 */
import type { TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";

/** The protobuf type of a field (with `repeated` or `map<...>`, without `optional`). */
export function protoTypeText(type: TypeDescriptor): string {
  switch (type.kind) {
    case "scalar":
      return type.proto;
    case "timestamp":
      return "google.protobuf.Timestamp";
    case "list":
      return `repeated ${protoTypeText(type.of)}`;
    case "map":
      return `map<string, ${protoTypeText(type.of)}>`;
    case "message":
    case "enum":
      return type.name;
    case "void":
      throw new Error("void has no protobuf field type");
  }
}

/** True when the type (or an element or value of it) is a timestamp. */
export function usesTimestamp(type: TypeDescriptor): boolean {
  return type.kind === "timestamp" || ((type.kind === "list" || type.kind === "map") && usesTimestamp(type.of));
}
