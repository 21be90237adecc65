/**
 * Whether a member is marked `@rpcMethod`, `@signal` or `@rpcConstant`: by its decorator in a source file, or by
 * the TSDoc tag of the same name in a declaration file (`.d.ts`), where decorators are erased but JSDoc is kept.
 *
 * An installed qmi-ts is read from the `.d.ts` files of `node_modules/qmi-ts/dist/`, so a lab driver extending `Instrument`
 * inherits `open`, `close` and `isOpen` only through their tags: `@rpcMethod({ requiresOpen: false })` on
 * `open()` comes with the TSDoc line `@rpcMethod requiresOpen=false`.
 *
 * The tag repeats the decorator's options as `key=value` pairs (values are JSON literals); the runtime reads the
 * compiled decorator, the generator only whether the tag is there. Tags are dropped from the docs emitted
 * (`doc-comment.ts`), and ignored in source files, where the decorator alone counts.
 *
 * @module
 */
import { Node } from "ts-morph";

/** A marker tag line of a TSDoc comment (`@rpcMethod`, `@rpcMethod requiresOpen=false`, `@signal`, `@rpcConstant`). */
export const markerTagLine = /^@(rpcMethod|signal|rpcConstant)(?:\s+(.*))?$/;

/** True when `node` carries the `marker` decorator, or, in a declaration file, the `marker` TSDoc tag. */
export function hasMarker(node: Node, marker: string): boolean {
  if (Node.isDecoratable(node) && node.getDecorators().some((d) => d.getName() === marker)) return true;
  return node.getSourceFile().isDeclarationFile() && readMarkerTag(node, marker) !== undefined;
}

/**
 * The options written after the `marker` TSDoc tag of `node` (`{ requiresOpen: false }` for
 * `@rpcMethod requiresOpen=false`; `{}` for a bare tag), or undefined when its TSDoc has no such tag.
 */
export function readMarkerTag(node: Node, marker: string): Record<string, unknown> | undefined {
  if (!Node.isJSDocable(node)) return undefined;
  const last = node.getJsDocs().at(-1);
  const tag = last?.getTags().find((t) => t.getTagName() === marker);
  if (!tag) return undefined;
  return parseMarkerOptions(tag.getCommentText()?.trim() ?? "");
}

/** Parses `key=value key=value` (values are JSON literals; a bare word is a string). */
export function parseMarkerOptions(text: string): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const pair of text.split(/\s+/).filter((p) => p !== "")) {
    const [key, raw = "true"] = pair.split("=", 2) as [string, string?];
    try {
      options[key] = JSON.parse(raw);
    } catch {
      options[key] = raw;
    }
  }
  return options;
}

/**
 * The options of `node`'s `marker` decorator (`{ snapshot: true }` for `@rpcMethod({ snapshot: true })`; `{}` for a
 * bare one), as far as they are literals; in a declaration file, those of its TSDoc tag. Undefined without either.
 */
export function markerOptions(node: Node, marker: string): Record<string, unknown> | undefined {
  if (node.getSourceFile().isDeclarationFile()) return readMarkerTag(node, marker);
  if (!Node.isDecoratable(node)) return undefined;
  const decorator = node.getDecorators().find((d) => d.getName() === marker);
  if (!decorator) return undefined;
  const options: Record<string, unknown> = {};
  const argument = decorator.getArguments()[0];
  if (!argument || !Node.isObjectLiteralExpression(argument)) return options;
  for (const property of argument.getProperties()) {
    if (!Node.isPropertyAssignment(property)) continue;
    const value = property.getInitializer();
    if (Node.isTrueLiteral(value) || Node.isFalseLiteral(value)) options[property.getName()] = value.getLiteralValue();
    else if (Node.isNumericLiteral(value) || Node.isStringLiteral(value)) options[property.getName()] = value.getLiteralValue();
  }
  return options;
}
