/**
 * Emits the `<Class>Proxy` class: one typed method per RPC, each taking `options?: CallOptions` last and
 * delegating to `this[invoke](...)`. Method TSDoc is the driver's, as written.
 *
 * @module
 */
import { parameterList, resultText } from "../method-model-builder.ts";
import type { ServiceModel } from "../model.ts";
import { docLines, tsDocBlock } from "./doc-block.ts";
import { printWidth, quoteString } from "./js-literal.ts";

function proxyMethod(service: ServiceModel, index: number, used: Set<string>): string {
  const m = service.descriptor.methods[index]!;
  const doc = tsDocBlock(service.methodDocs[index]!.proxyDoc, "  ");
  const params = parameterList(m.params, used);
  const paramParts = [...(params ? params.split(", ") : []), "options?: CallOptions"];
  const result = resultText(m.result, m.resultOptional, used);
  let signature = `  ${m.name}(${paramParts.join(", ")}): ${result} {\n`;
  if (signature.length - 1 > printWidth) {
    signature = `  ${m.name}(\n${paramParts.map((p) => `    ${p},\n`).join("")}  ): ${result} {\n`;
  }
  const args = `[${m.params.map((p) => p.name).join(", ")}]`;
  let body = `    return this[invoke](${quoteString(m.name)}, ${args}, options) as ${result};\n`;
  if (body.length - 1 > printWidth) {
    body = `    return this[invoke](\n      ${quoteString(m.name)},\n      ${args},\n      options,\n    ) as ${result};\n`;
  }
  return `${doc}${signature}${body}  }\n`;
}

/** The proxy class of a service; `used` collects runtime type aliases to import. */
export function emitProxyClass(service: ServiceModel, used: Set<string>): string {
  const d = service.descriptor;
  const task = service.task;
  const first = task ? d.methods.length - task.customMethods : 0;
  const methods = d.methods.slice(first).map((_, i) => proxyMethod(service, first + i, used));
  const base = task ? `TaskRunnerProxy<${task.settingsName}, ${task.statusName}>` : "RpcProxy";
  return (
    `${tsDocBlock(docLines(d.doc))}export class ${d.className}Proxy extends ${base} {\n` +
    `  static readonly descriptor: ServiceDescriptor = ${d.className}Service;\n` +
    methods.map((m) => `\n${m}`).join("") +
    "}\n"
  );
}
