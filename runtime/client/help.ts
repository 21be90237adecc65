/**
 * Help texts for proxies (the tutorial's `help(nsg)`): class doc, RPC methods with signatures and docs,
 * signals and constants.
 *
 * @module
 */
import { proxyBinding, type RpcProxy } from "./proxy.ts";
import { UnknownNameError } from "../protocol/errors.ts";
import type { MethodDescriptor } from "../protocol/service-descriptor.ts";

function indent(text: string | undefined, by = "    "): string {
  return (text ?? "").split("\n").map((line) => (line ? by + line : line)).join("\n");
}

/** A method's doc followed by its parameters' docs; `@returns` becomes "Returns:". */
function methodDoc(method: MethodDescriptor): string {
  const lines = (method.doc ?? "").split("\n").map((line) => line.replace(/^@returns?\s*/, "Returns: "));
  const params = method.params.filter((p) => p.doc).map((p) => `  ${p.name}: ${p.doc}`);
  if (params.length > 0) lines.push("Parameters:", ...params);
  return lines.filter((line) => line !== "").join("\n");
}

/** The help text of a proxy, or of one of its methods when `method` is given. */
export function helpText(proxy: RpcProxy, method?: string): string {
  const { address, descriptor } = proxyBinding(proxy);
  if (method !== undefined) {
    const found = descriptor.methods.find((m) => m.name === method);
    if (!found) throw new UnknownNameError(`${address} has no RPC method ${method}`);
    return `${found.signature}\n${indent(methodDoc(found))}\n`;
  }
  const lines = [`${proxy.toString()}`, "", indent(descriptor.doc || "(no documentation)"), "", "RPC methods:"];
  for (const m of descriptor.methods) lines.push(`  ${m.signature}`, indent(methodDoc(m), "      "));
  if (descriptor.signals.length > 0) {
    lines.push("", "Signals:");
    for (const s of descriptor.signals) lines.push(`  ${s.name}`, indent(s.doc, "      "));
  }
  if (descriptor.constants.length > 0) {
    lines.push("", "Constants:");
    for (const c of descriptor.constants) lines.push(`  ${c.name}: ${c.type}`, indent(c.doc, "      "));
  }
  return lines.filter((line, i, all) => !(line === "" && all[i - 1] === "")).join("\n") + "\n";
}

/** Prints the help text of a proxy (or of one method) to standard output. */
export function help(proxy: RpcProxy, method?: string): void {
  process.stdout.write(helpText(proxy, method));
}
