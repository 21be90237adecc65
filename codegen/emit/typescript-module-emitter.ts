/**
 * Emits the generated TypeScript module of a source module: header, runtime imports, re-declared types, per
 * service its descriptor and its proxy class, then the registration that makes importing the module enough for
 * the runtime (its services, and its `.proto` text, so that no file is read at run time).
 *
 * @module
 */
import type { ModuleModel } from "../model.ts";
import { emitDescriptor } from "./descriptor-emitter.ts";
import { provenanceHeader } from "./header.ts";
import { printWidth, quoteString } from "./js-literal.ts";
import { emitProto } from "./proto-emitter.ts";
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
    "registerGeneratedModule",
  ];
  const names = [...values, ...types.map((t) => `type ${t}`)];
  const oneLine = `import { ${names.join(", ")} } from "qmi-ts";\n`;
  if (oneLine.length - 1 <= printWidth) return oneLine;
  return `import {\n${names.map((n) => `  ${n},\n`).join("")}} from "qmi-ts";\n`;
}

/** The call registering the module's services and `.proto` text (one string per line of the `.proto`). */
function registration(module: ModuleModel): string {
  const lines = emitProto(module).replace(/\n$/, "").split("\n");
  const services = module.services.map(({ descriptor: { className } }) => {
    const one = `    { descriptor: ${className}Service, proxyClass: ${className}Proxy },\n`;
    return one.length - 1 <= printWidth ? one : `    {\n      descriptor: ${className}Service,\n      proxyClass: ${className}Proxy,\n    },\n`;
  });
  return (
    "// Importing this module registers its services and their .proto, so that no file is read at run time.\n" +
    "registerGeneratedModule({\n" +
    `  protoFile: ${quoteString(module.paths.protoFile)},\n` +
    `  protoSource: [\n${lines.map((line) => `    ${quoteString(line)},\n`).join("")}  ].join("\\n"),\n` +
    `  services: [\n${services.join("")}  ],\n` +
    "});\n"
  );
}

/** The generated TypeScript text of a module. */
export function emitTypeScriptModule(module: ModuleModel): string {
  const used = new Set<string>();
  const declarations = module.types.map((t) => typeDeclaration(t, used));
  const services = module.services.map((s) => `${emitDescriptor(s.descriptor)}\n${emitProxyClass(s, used)}`);
  const head = `${provenanceHeader(module.paths.sourceFile)}${runtimeImport(used, module)}`;
  return [head, ...declarations, ...services, registration(module)].join("\n");
}
