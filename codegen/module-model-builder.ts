/**
 * Builds the {@link ModuleModel} of one source module: its services, and the messages and enums of its proto
 * package.
 *
 * When a module holds more than one service class, its request, response and event message names are prefixed
 * with the class name (`<Class><Method>Request`, `<Class>Subscribe<Signal>Request`, `<Class><Signal>Event`) so the
 * services of one proto package cannot collide. RPC names are never prefixed.
 *
 * @module
 */
import type { Node } from "ts-morph";
import type { MethodDescriptor, ServiceDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { ScannedClass } from "./class-scanner.ts";
import { buildConstant } from "./constant-model-builder.ts";
import { DiagnosticCode, type Diagnostic } from "./diagnostic.ts";
import { joinDoc } from "./doc-comment.ts";
import { buildMethod, requestResponseNames } from "./method-model-builder.ts";
import type { MethodDocs, ModuleModel, ServiceModel } from "./model.ts";
import type { ModulePaths } from "./naming.ts";
import { buildSignal, signalMessageNames } from "./signal-model-builder.ts";
import { buildTaskMembers } from "./task-model-builder.ts";
import { NamedTypeRegistry } from "./type-mapping/named-type-registry.ts";
import { TypeMapperChain } from "./type-mapping/type-mapper-chain.ts";
import { usedTypeNames } from "./used-types.ts";

/** Builds the model of one module; diagnostics are appended to `diagnostics`. */
export function buildModuleModel(options: {
  paths: ModulePaths;
  classes: readonly ScannedClass[];
  projectRoot: string;
  diagnostics: Diagnostic[];
}): ModuleModel {
  const { paths, classes, projectRoot, diagnostics } = options;
  const registry = new NamedTypeRegistry();
  const chain = new TypeMapperChain({ registry, projectRoot, diagnostics });
  const prefixOf = (c: ScannedClass): string => (classes.length > 1 ? c.name : "");

  // Generated message names are claimed first, so an interface of the same name is reported wherever it is used.
  for (const c of classes) {
    for (const m of c.methods) {
      const { request, response } = requestResponseNames(m.name, prefixOf(c));
      claimGenerated(
        registry,
        chain,
        request,
        `the request message of \`${c.name}.${m.name}\``,
        m.declaration.getNameNode(),
      );
      claimGenerated(
        registry,
        chain,
        response,
        `the response message of \`${c.name}.${m.name}\``,
        m.declaration.getNameNode(),
      );
    }
    for (const s of c.signals) {
      const { request, event } = signalMessageNames(s.name, prefixOf(c));
      claimGenerated(
        registry,
        chain,
        request,
        `the subscribe request of \`${c.name}.${s.name}\``,
        s.declaration.getNameNode(),
      );
      claimGenerated(
        registry,
        chain,
        event,
        `the event message of \`${c.name}.${s.name}\``,
        s.declaration.getNameNode(),
      );
    }
  }

  const services: ServiceModel[] = classes.map((c) => {
    const methods: MethodDescriptor[] = [];
    const methodDocs: MethodDocs[] = [];
    for (const m of c.methods) {
      const built = buildMethod(m, prefixOf(c), chain);
      methods.push(built.descriptor);
      methodDocs.push(built.docs);
    }
    const signals = c.signals.map((s) => buildSignal(s, prefixOf(c), chain));
    const subscribeRequestTypes = c.signals.map((s) => signalMessageNames(s.name, prefixOf(c)).request);
    let task: ServiceModel["task"];
    if (c.task) {
      const members = buildTaskMembers(c.task, prefixOf(c), chain, registry);
      methods.unshift(...members.methods);
      methodDocs.unshift(...members.docs);
      signals.push(members.signal);
      subscribeRequestTypes.push(members.subscribeRequestType);
      task = { settingsName: members.settingsName, statusName: members.statusName, customMethods: c.methods.length };
    }
    const used = usedTypeNames({ methods, signals }, (name) => registry.get(name));
    const models = registry.models().filter((m) => used.has(m.descriptor.name));
    const doc = joinDoc(c.doc?.lines);
    const descriptor: ServiceDescriptor = {
      className: c.name,
      sourceFile: paths.sourceFile,
      protoFile: paths.protoFile,
      protoPackage: paths.protoPackage,
      protoService: `${paths.protoPackage}.${c.name}`,
      ...(doc !== undefined ? { doc } : {}),
      methods,
      signals,
      constants: c.constants.map(buildConstant),
      messages: models.flatMap((m) => (m.kind === "message" ? [m.descriptor] : [])),
      enums: models.flatMap((m) => (m.kind === "enum" ? [m.descriptor] : [])),
    };
    return { descriptor, methodDocs, subscribeRequestTypes, ...(task ? { task } : {}) };
  });
  return { paths, services, types: registry.models() };
}

function claimGenerated(
  registry: NamedTypeRegistry,
  chain: TypeMapperChain,
  name: string,
  description: string,
  node: Node,
): void {
  const result = registry.claim(name, { key: `generated:${description}`, description });
  if (result.status !== "collision") return;
  chain.report(
    { type: node.getType(), node, nameHint: name, holder: description },
    DiagnosticCode.NameCollision,
    `The proto name \`${name}\` of ${description} is already used by ${result.owner.description}.`,
    "Rename one of the two members so that every generated message has its own name.",
  );
}
