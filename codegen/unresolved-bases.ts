/**
 * Base classes the generator cannot see, reported as diagnostic QMI1020.
 *
 * A service's remote members include those of its base classes (`open`, `close` and `isOpen` of `Instrument`).
 * When the `extends` clause names something the type checker cannot resolve (a mistyped or missing import, qmi-ts
 * not installed), the chain ends there and those members would silently be missing from the `.proto` and the
 * proxy. A base that resolves to something other than a class (e.g. `Error`, declared as an interface and a
 * constructor variable) is not reported: there is nothing to follow, and nothing is missing.
 *
 * @module
 */
import type { ClassDeclaration, SourceFile } from "ts-morph";
import { DiagnosticCode, diagnosticAt, type Diagnostic } from "./diagnostic.ts";
import { hasMarker } from "./member-marker.ts";

const markers = ["rpcMethod", "signal", "rpcConstant"];

/** True when `c` declares a remote member itself (the sign that it is meant to be a service). */
function declaresRemoteMember(c: ClassDeclaration): boolean {
  return [...c.getInstanceMethods(), ...c.getInstanceProperties(), ...c.getStaticProperties()].some((member) =>
    markers.some((marker) => hasMarker(member, marker)),
  );
}

/** The first class along `declaration`'s chain whose `extends` does not resolve, with that clause. */
function firstUnresolved(declaration: ClassDeclaration): { owner: ClassDeclaration; base: string } | undefined {
  const seen = new Set<ClassDeclaration>();
  for (let c: ClassDeclaration | undefined = declaration; c !== undefined && !seen.has(c); c = c.getBaseClass()) {
    seen.add(c);
    const heritage = c.getExtends();
    if (heritage && c.getBaseClass() === undefined) {
      const type = heritage.getExpression().getType();
      if (type.isAny() || type.isUnknown()) return { owner: c, base: heritage.getExpression().getText() };
    }
  }
  return undefined;
}

/** QMI1020 for every exported class of `sourceFile` that declares remote members and extends an unresolvable base. */
export function findUnresolvedBases(sourceFile: SourceFile, projectRoot: string): Diagnostic[] {
  return sourceFile.getClasses().flatMap((declaration) => {
    if (!declaration.isExported() || !declaresRemoteMember(declaration)) return [];
    const unresolved = firstUnresolved(declaration);
    if (!unresolved) return [];
    const where = unresolved.owner === declaration ? "" : ` (through ${unresolved.owner.getName() ?? "its base"})`;
    return [
      diagnosticAt(unresolved.owner.getExtends()!.getExpression(), projectRoot, {
        code: DiagnosticCode.UnresolvedBase,
        typeText: unresolved.base,
        message:
          `\`${declaration.getName() ?? "class"}\` extends \`${unresolved.base}\`${where}, which the generator cannot ` +
          "resolve, so the remote members it inherits would be missing.",
        hint:
          "Check the import of the base class (for `Instrument`: `import { Instrument } from \"qmi-ts\"`, with qmi-ts " +
          "installed, or the relative path of a base class of your own).",
      }),
    ];
  });
}
