/**
 * The one place the mappers are put in order, and the engine that runs them: it strips `undefined` from
 * optional sites, asks each {@link TypeMapper} in turn, and rejects optional arrays and maps (proto3 has no
 * optional repeated or map fields).
 *
 * @module
 */
import { Node, SyntaxKind, type TypeNode } from "ts-morph";
import type { TypeDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { DiagnosticCode, diagnosticAt, type Diagnostic, type DiagnosticCodeValue } from "../diagnostic.ts";
import { arrayMapper } from "./array-mapper.ts";
import { bigintMapper } from "./bigint-mapper.ts";
import { booleanMapper } from "./boolean-mapper.ts";
import { bytesMapper } from "./bytes-mapper.ts";
import { classInstanceRejectionMapper } from "./class-instance-rejection-mapper.ts";
import { collectionRejectionMapper } from "./collection-rejection-mapper.ts";
import { dateMapper } from "./date-mapper.ts";
import { enumMapper } from "./enum-mapper.ts";
import { fallbackMapper } from "./fallback-mapper.ts";
import { functionRejectionMapper } from "./function-rejection-mapper.ts";
import { capitalize, keywordRejectionMapper } from "./keyword-rejection-mapper.ts";
import { messageMapper } from "./message-mapper.ts";
import type { NamedTypeRegistry } from "./named-type-registry.ts";
import { numberKindMapper } from "./number-kind-mapper.ts";
import { numberMapper } from "./number-mapper.ts";
import { recordMapper } from "./record-mapper.ts";
import { stringMapper } from "./string-mapper.ts";
import { stringUnionMapper } from "./string-union-mapper.ts";
import { siteTypeText, type MappingContext, type TypeMapper, type TypeSite } from "./type-mapper.ts";
import { typedArrayMapper } from "./typed-array-mapper.ts";
import { unionRejectionMapper } from "./union-rejection-mapper.ts";

/** The built-in mappers, in the order they are asked. Rejections come before the mappers they would confuse. */
export const defaultMappers: readonly TypeMapper[] = [
  keywordRejectionMapper,
  numberKindMapper,
  numberMapper,
  bigintMapper,
  stringMapper,
  booleanMapper,
  enumMapper,
  stringUnionMapper,
  unionRejectionMapper,
  bytesMapper,
  typedArrayMapper,
  dateMapper,
  collectionRejectionMapper,
  arrayMapper,
  recordMapper,
  functionRejectionMapper,
  classInstanceRejectionMapper,
  messageMapper,
  fallbackMapper,
];

/** A mapped type and whether it may be absent. */
export interface MappedField {
  readonly type: TypeDescriptor;
  readonly optional: boolean;
}

/** Runs the mapper chain for the types of one proto package. */
export class TypeMapperChain implements MappingContext {
  readonly registry: NamedTypeRegistry;
  readonly projectRoot: string;
  readonly #mappers: readonly TypeMapper[];
  readonly #diagnostics: Diagnostic[];

  constructor(options: {
    registry: NamedTypeRegistry;
    projectRoot: string;
    diagnostics: Diagnostic[];
    mappers?: readonly TypeMapper[];
  }) {
    this.registry = options.registry;
    this.projectRoot = options.projectRoot;
    this.#diagnostics = options.diagnostics;
    this.#mappers = options.mappers ?? defaultMappers;
  }

  /** Maps a type that cannot be optional. */
  mapNested(site: TypeSite): TypeDescriptor | undefined {
    const mapper = this.#mappers.find((m) => m.supports(site.type, site));
    return mapper?.map(site, this);
  }

  /** Maps a parameter, property or result type; `T | undefined` and declared optionality make it optional. */
  mapField(site: TypeSite, declaredOptional: boolean): MappedField | undefined {
    const stripped = stripUndefined(site);
    const optional = declaredOptional || stripped.removedUndefined;
    const type = this.mapNested(stripped.site);
    if (type === undefined) return undefined;
    if (optional && (type.kind === "list" || type.kind === "map")) {
      this.report(
        site,
        DiagnosticCode.OptionalCollection,
        `${capitalize(site.holder)} is an optional ${type.kind === "list" ? "array" : "record"} (\`${siteTypeText(site)}\`); proto3 has no optional repeated or map fields.`,
        "Make it required and send an empty array or record when there is nothing to send.",
      );
      return undefined;
    }
    return { type, optional };
  }

  /** Records an error at `site`. */
  report(site: TypeSite, code: DiagnosticCodeValue, message: string, hint: string): void {
    this.#diagnostics.push(
      diagnosticAt(site.node, this.projectRoot, { code, typeText: siteTypeText(site), message, hint }),
    );
  }
}

/**
 * Removes `undefined` from a union site: syntactically when the type is written out (keeping alias names such as
 * `Mode` in `Mode | undefined`), else through the checker. A union containing `null` is left for the chain to
 * reject.
 */
export function stripUndefined(site: TypeSite): { site: TypeSite; removedUndefined: boolean } {
  const node = site.typeNode;
  if (node && Node.isUnionTypeNode(node)) {
    const members = node.getTypeNodes();
    const kept = members.filter((m) => m.getKind() !== SyntaxKind.UndefinedKeyword);
    if (kept.length < members.length) {
      if (kept.length === 1) {
        const only: TypeNode = kept[0]!;
        return { site: { ...site, typeNode: only, node: only, type: only.getType() }, removedUndefined: true };
      }
      // Several members left: keep the union node, whose literals give the declaration order.
      return { site: { ...site, type: site.type.getNonNullableType() }, removedUndefined: true };
    }
  }
  const type = site.type;
  if (type.isUnion() && type.getUnionTypes().some((t) => t.isUndefined())) {
    if (type.getUnionTypes().some((t) => t.isNull())) return { site, removedUndefined: false };
    const rest: TypeSite = {
      type: type.getNonNullableType(),
      node: site.node,
      nameHint: site.nameHint,
      holder: site.holder,
    };
    return { site: rest, removedUndefined: true };
  }
  return { site, removedUndefined: false };
}
