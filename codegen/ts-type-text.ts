/**
 * TypeScript and protobuf spellings of a {@link TypeDescriptor}.
 *
 * @module
 */
import type { TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";

const numberKindAliases: Readonly<Record<string, string>> = {
  int32: "int32",
  uint32: "uint32",
  int64: "int64",
  uint64: "uint64",
  float: "float32",
};

/**
 * The TypeScript type of a descriptor, as generated code writes it; `used` collects the runtime number-kind
 * aliases it needs to import.
 */
export function tsTypeText(type: TypeDescriptor, used?: Set<string>): string {
  switch (type.kind) {
    case "scalar": {
      if (type.bigint) return "bigint";
      const alias = numberKindAliases[type.proto];
      if (alias !== undefined) {
        used?.add(alias);
        return alias;
      }
      return type.proto === "double"
        ? "number"
        : type.proto === "bool"
          ? "boolean"
          : type.proto === "bytes"
            ? "Uint8Array"
            : "string";
    }
    case "timestamp":
      return "Date";
    case "list":
      return type.typed ?? `${tsTypeText(type.of, used)}[]`;
    case "map":
      return `Record<string, ${tsTypeText(type.of, used)}>`;
    case "message":
    case "enum":
      return type.name;
    case "void":
      return "void";
  }
}

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
