/**
 * Which messages and enums a service uses, directly or through message fields.
 *
 * @module
 */
import type { ServiceDescriptor, TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { NamedTypeModel } from "./model.ts";

/** Names of the named types reachable from a service's methods and signals. */
export function usedTypeNames(
  service: Pick<ServiceDescriptor, "methods" | "signals">,
  lookup: (name: string) => NamedTypeModel | undefined,
): Set<string> {
  const used = new Set<string>();
  const visit = (type: TypeDescriptor): void => {
    if (type.kind === "list" || type.kind === "map") return visit(type.of);
    if (type.kind !== "message" && type.kind !== "enum") return;
    if (used.has(type.name)) return;
    used.add(type.name);
    const model = lookup(type.name);
    if (model?.kind === "message") for (const field of model.descriptor.fields) visit(field.type);
  };
  for (const method of service.methods) {
    for (const param of method.params) visit(param.type);
    visit(method.result);
  }
  for (const signal of service.signals) visit(signal.payload);
  return used;
}
