/**
 * Builds the descriptor of one `@signal`: a server-streaming `Subscribe<Signal>` RPC whose events carry the
 * payload as `value = 1`.
 *
 * @module
 */
import { Node, type PropertyDeclaration, type Type, type TypeNode } from "ts-morph";
import type { SignalDescriptor, TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { ScannedMember } from "./class-scanner.ts";
import { DiagnosticCode } from "./diagnostic.ts";
import { joinDoc } from "./doc-comment.ts";
import { pascalCase } from "./naming.ts";
import type { TypeMapperChain } from "./type-mapping/type-mapper-chain.ts";

/** Message names for one signal; `prefix` is the class name when a module holds several services. */
export function signalMessageNames(signalName: string, prefix: string): { request: string; event: string } {
  const pascal = pascalCase(signalName);
  return { request: `${prefix}Subscribe${pascal}Request`, event: `${prefix}${pascal}Event` };
}

/** The payload type of `Signal<T>`: from `new Signal<T>()`, a `Signal<T>` annotation, or the checker. */
function payloadOf(property: PropertyDeclaration): { type: Type; typeNode?: TypeNode } | undefined {
  const initializer = property.getInitializer();
  if (initializer && Node.isNewExpression(initializer) && initializer.getExpression().getText() === "Signal") {
    const node = initializer.getTypeArguments()[0];
    if (node) return { type: node.getType(), typeNode: node };
  }
  const typeNode = property.getTypeNode();
  if (typeNode && Node.isTypeReference(typeNode) && typeNode.getTypeName().getText() === "Signal") {
    const node = typeNode.getTypeArguments()[0];
    if (node) return { type: node.getType(), typeNode: node };
  }
  const type = property.getType();
  if (type.getSymbol()?.getName() !== "Signal") return undefined;
  const argument = type.getTypeArguments()[0];
  return argument ? { type: argument } : undefined;
}

/** Builds one signal; diagnostics go to the chain. */
export function buildSignal(
  member: ScannedMember<PropertyDeclaration>,
  prefix: string,
  chain: TypeMapperChain,
): SignalDescriptor {
  const { name, declaration, doc } = member;
  const pascal = pascalCase(name);
  const payload = payloadOf(declaration);
  let payloadType: TypeDescriptor = { kind: "void" };
  if (payload === undefined) {
    chain.report(
      { type: declaration.getType(), node: declaration.getNameNode(), nameHint: pascal, holder: `signal \`${name}\`` },
      DiagnosticCode.BadSignal,
      `The @signal field \`${name}\` does not hold a \`Signal<T>\`.`,
      "Initialise it with `new Signal<Payload>()` (Signal from the runtime), naming the payload type.",
    );
  } else if (!payload.type.isVoid()) {
    payloadType =
      chain.mapNested({
        type: payload.type,
        node: payload.typeNode ?? declaration.getNameNode(),
        ...(payload.typeNode ? { typeNode: payload.typeNode } : {}),
        nameHint: `${pascal}Payload`,
        holder: `the payload of signal \`${name}\``,
      }) ?? payloadType;
  }
  const docText = joinDoc(doc?.lines);
  return {
    name,
    rpcName: `Subscribe${pascal}`,
    eventType: signalMessageNames(name, prefix).event,
    payload: payloadType,
    ...(docText !== undefined ? { doc: docText } : {}),
  };
}
