/**
 * Emits the `<Class>Service` constant: the service descriptor as a typed literal.
 *
 * @module
 */
import type { ServiceDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import { printLiteral, type LiteralValue } from "./js-literal.ts";

/** `export const <Class>Service: ServiceDescriptor = { ... };` with its TSDoc line. */
export function emitDescriptor(descriptor: ServiceDescriptor): string {
  const head = `export const ${descriptor.className}Service: ServiceDescriptor = `;
  // A descriptor is plain JSON-compatible data, which is exactly what the literal printer accepts.
  const literal = printLiteral(descriptor as unknown as LiteralValue, 0, head.length, 1);
  return `/** Service descriptor of {@link ${descriptor.className}Proxy}. */\n${head}${literal};\n`;
}
