/**
 * The TypeScript spelling of a {@link TypeDescriptor}: what generated code declares, and what the dashboard shows
 * a user for a parameter or names in an error.
 *
 * @module
 */
import type { TypeDescriptor } from "./service-descriptor.ts";

/** The number kinds exported by `qmi-ts`, by the protobuf scalar they travel as. */
const numberKindAliases: Readonly<Record<string, string>> = {
  int32: "int32",
  uint32: "uint32",
  int64: "int64",
  uint64: "uint64",
  float: "float32",
};

/** How {@link tsTypeText} spells a type. */
export interface TypeTextOptions {
  /** Collects the number-kind aliases (`int32`, `float32`...) the text uses, for generated code to import. */
  readonly used?: Set<string>;
  /** Spell the number kinds as plain `number` (for a reader, who types a number), not as their aliases. */
  readonly plainNumbers?: boolean;
}

/** The TypeScript type of a descriptor, as generated code writes it (or with plain numbers: see the options). */
export function tsTypeText(type: TypeDescriptor, options: TypeTextOptions = {}): string {
  switch (type.kind) {
    case "scalar": {
      if (type.bigint) return "bigint";
      const alias = numberKindAliases[type.proto];
      if (alias !== undefined) {
        if (options.plainNumbers) return "number";
        options.used?.add(alias);
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
      return type.typed ?? `${tsTypeText(type.of, options)}[]`;
    case "map":
      return `Record<string, ${tsTypeText(type.of, options)}>`;
    case "message":
    case "enum":
      return type.name;
    case "void":
      return "void";
  }
}
