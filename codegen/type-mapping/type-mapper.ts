/**
 * The type-mapper seam: each kind of TypeScript type has one small {@link TypeMapper}; the
 * {@link TypeMapperChain} asks them in order and the first that supports a type maps it.
 *
 * Mappers for unsupported kinds (`any`, tuples, `Map`...) are part of the chain too: they "support" the type
 * and report a diagnostic, so every rejection has its own code and advice.
 *
 * @module
 */
import type { Node, Type, TypeNode } from "ts-morph";
import type { TypeDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import type { DiagnosticCodeValue } from "../diagnostic.ts";
import type { NamedTypeRegistry } from "./named-type-registry.ts";

/** Where a type occurs: the type itself, its node when written out, and how to name inline types found there. */
export interface TypeSite {
  readonly type: Type;
  /** The type as written, when it is (keeps alias names and gives precise positions). */
  readonly typeNode?: TypeNode;
  /** Where to report problems: the type node, or the declaration whose type was inferred. */
  readonly node: Node;
  /** PascalCase name for an inline type literal or string-literal union found here, e.g. `SetPointPosition`. */
  readonly nameHint: string;
  /** What holds the type, for messages, e.g. "parameter `x` of `setX`". */
  readonly holder: string;
  /** The text to show as the offending "type" when it is not a type (e.g. a reserved method name). */
  readonly text?: string;
}

/** What mappers may do besides mapping: recurse, report, and register named types. */
export interface MappingContext {
  /** Maps a nested type (array element, map value, message field) that cannot be optional. */
  mapNested(site: TypeSite): TypeDescriptor | undefined;
  /** Maps a message field, which may be optional; returns the type and its optionality. */
  mapField(site: TypeSite, declaredOptional: boolean): { type: TypeDescriptor; optional: boolean } | undefined;
  /** Records an error at `site`. */
  report(site: TypeSite, code: DiagnosticCodeValue, message: string, hint: string): void;
  /** The messages and enums of the proto package being built. */
  readonly registry: NamedTypeRegistry;
  /** The project root, for locations in messages. */
  readonly projectRoot: string;
}

/** One kind of type. */
export interface TypeMapper {
  /** A short name, for debugging. */
  readonly name: string;
  /** True when this mapper is responsible for `type`. */
  supports(type: Type, site: TypeSite): boolean;
  /** Maps the type, or reports diagnostics and returns undefined. */
  map(site: TypeSite, context: MappingContext): TypeDescriptor | undefined;
}

/** The text of the type at a site: as written, or as the checker prints it. */
export function siteTypeText(site: TypeSite): string {
  return site.text ?? site.typeNode?.getText() ?? site.type.getText(site.node);
}
