/**
 * Emits the generated TypeScript module of a source module: header, runtime imports, re-declared types, then per
 * service its descriptor and its proxy class.
 *
 * @module
 */
import type { ModuleModel } from "../model.ts";
import { emitDescriptor } from "./descriptor-emitter.ts";
import { provenanceHeader } from "./header.ts";
import { printWidth } from "./js-literal.ts";
import { emitProxyClass } from "./proxy-class-emitter.ts";
import { typeDeclaration } from "./type-declarations.ts";

/** The import line of the runtime: values first, then types, each sorted; broken when too long. */
function runtimeImport(typeNames: ReadonlySet<string>, module: ModuleModel): string {
  const methods = module.services.some((s) => (s.task ? s.task.customMethods : s.descriptor.methods.length) > 0);
  const types = [...(methods ? ["CallOptions"] : []), "ServiceDescriptor", ...[...typeNames].sort()];
  const values = [
    ...(module.services.some((s) => !s.task) ? ["RpcProxy"] : []),
    ...(module.services.some((s) => s.task) ? ["TaskRunnerProxy"] : []),
    ...(methods ? ["invoke"] : []),
  ];
  const names = [...values, ...types.map((t) => `type ${t}`)];
  const oneLine = `import { ${names.join(", ")} } from "qmi-ts";\n`;
  if (oneLine.length - 1 <= printWidth) return oneLine;
  return `import {\n${names.map((n) => `  ${n},\n`).join("")}} from "qmi-ts";\n`;
}

/** The generated TypeScript text of a module. */
export function emitTypeScriptModule(module: ModuleModel): string {
  const used = new Set<string>();
  const declarations = module.types.map((t) => typeDeclaration(t, used));
  const services = module.services.map((s) => `${emitDescriptor(s.descriptor)}\n${emitProxyClass(s, used)}`);
  return [`${provenanceHeader(module.paths.sourceFile)}${runtimeImport(used, module)}`, ...declarations, ...services].join(
    "\n",
  );
}
