/**
 * Builds the descriptor of one `@rpcMethod`: parameters (request fields), result (response `value`), signature
 * and docs.
 *
 * @module
 */
import { Node, type MethodDeclaration, type Type, type TypeNode } from "ts-morph";
import type { FieldDescriptor, MethodDescriptor, TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";
import { DiagnosticCode } from "./diagnostic.ts";
import { markerOptions } from "./member-marker.ts";
import { joinDoc } from "./doc-comment.ts";
import type { MethodDocs } from "./model.ts";
import { pascalCase, snakeCase } from "./naming.ts";
import type { ScannedMember } from "./class-scanner.ts";
import { tsTypeText } from "../runtime/protocol/type-text.ts";
import type { TypeMapperChain } from "./type-mapping/type-mapper-chain.ts";

/** Names every proxy already has (from `Object.prototype` and `RpcProxy`), or that would make it a thenable. */
export const reservedMethodNames: ReadonlySet<string> = new Set([
  "constructor",
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "then",
  // Lock operations every proxy has (runtime/client/proxy.ts).
  "lock",
  "unlock",
  "forceUnlock",
  "isLocked",
  // Signal subscription every proxy has (runtime/client/proxy.ts).
  "subscribe",
]);

/** Message names for one method; `prefix` is the class name when a module holds several services. */
export function requestResponseNames(methodName: string, prefix: string): { request: string; response: string } {
  const rpc = pascalCase(methodName);
  return { request: `${prefix}${rpc}Request`, response: `${prefix}${rpc}Response` };
}

/** The result type node and type of a method, with `Promise<T>` unwrapped. */
function resultOf(method: MethodDeclaration): { type: Type; typeNode?: TypeNode } {
  let typeNode = method.getReturnTypeNode();
  if (typeNode && Node.isTypeReference(typeNode) && typeNode.getTypeName().getText() === "Promise") {
    const inner = typeNode.getTypeArguments()[0];
    if (inner) return { type: inner.getType(), typeNode: inner };
    typeNode = undefined;
  }
  if (typeNode) return { type: typeNode.getType(), typeNode };
  let type = method.getReturnType();
  if (type.getSymbol()?.getName() === "Promise") type = type.getTypeArguments()[0] ?? type;
  return { type };
}

function isVoidLike(type: Type): boolean {
  return type.isVoid() || type.isUndefined();
}

/** Builds one method; diagnostics go to the chain. */
export function buildMethod(
  member: ScannedMember<MethodDeclaration>,
  prefix: string,
  chain: TypeMapperChain,
): { descriptor: MethodDescriptor; docs: MethodDocs } {
  const { name, declaration, doc } = member;
  const rpcName = pascalCase(name);
  const nameNode = declaration.getNameNode();
  if (reservedMethodNames.has(name)) {
    chain.report(
      { type: declaration.getType(), node: nameNode, nameHint: rpcName, holder: `method \`${name}\``, text: name },
      DiagnosticCode.ReservedMethodName,
      `The @rpcMethod \`${name}\` collides with a member every proxy has (\`${name}\` of Object or RpcProxy).`,
      `Rename the method; every proxy needs \`${name}\` for itself.`,
    );
  }
  const params: FieldDescriptor[] = [];
  for (const parameter of declaration.getParameters()) {
    const paramName = parameter.getName();
    const holder = `parameter \`${paramName}\` of \`${name}\``;
    const typeNode = parameter.getTypeNode();
    const site = {
      type: typeNode?.getType() ?? parameter.getType(),
      node: typeNode ?? parameter,
      ...(typeNode ? { typeNode } : {}),
      nameHint: `${rpcName}${pascalCase(paramName)}`,
      holder,
    };
    if (parameter.isRestParameter() || !Node.isIdentifier(parameter.getNameNode())) {
      chain.report(
        site,
        DiagnosticCode.Unsupported,
        `${holder[0]!.toUpperCase()}${holder.slice(1)} is a rest or destructured parameter, which has no protobuf field name.`,
        "Declare one named parameter per value (or one parameter of an interface type).",
      );
      continue;
    }
    const mapped = chain.mapField(site, parameter.hasQuestionToken() || parameter.hasInitializer());
    if (mapped === undefined) continue;
    const paramDoc = joinDoc(doc?.params.get(paramName));
    params.push({
      name: paramName,
      protoName: snakeCase(paramName),
      number: params.length + 1,
      type: mapped.type,
      optional: mapped.optional,
      ...(paramDoc !== undefined ? { doc: paramDoc } : {}),
    });
  }

  const result = resultOf(declaration);
  let resultType: TypeDescriptor = { kind: "void" };
  let resultOptional = false;
  if (!isVoidLike(result.type)) {
    const mapped = chain.mapField(
      {
        type: result.type,
        node: result.typeNode ?? nameNode,
        ...(result.typeNode ? { typeNode: result.typeNode } : {}),
        nameHint: `${rpcName}Result`,
        holder: `the result of \`${name}\``,
      },
      false,
    );
    if (mapped) {
      resultType = mapped.type;
      resultOptional = mapped.optional;
    }
  }

  const snapshot = markerOptions(declaration, "rpcMethod")?.snapshot === true;
  if (snapshot && (params.length > 0 || resultType.kind === "void")) {
    chain.report(
      { type: declaration.getType(), node: nameNode, nameHint: rpcName, holder: `method \`${name}\``, text: name },
      DiagnosticCode.BadSnapshot,
      `The @rpcMethod({ snapshot: true }) \`${name}\` ${params.length > 0 ? "takes parameters" : "returns nothing"}; a settings snapshot calls it without arguments and keeps its result.`,
      "Mark only getters of a setting (no parameters, a result) for snapshots.",
    );
  }

  const { request, response } = requestResponseNames(name, prefix);
  const descriptorDoc = joinDoc(doc?.withoutParams);
  return {
    descriptor: {
      name,
      rpcName,
      requestType: request,
      responseType: response,
      params,
      result: resultType,
      resultOptional,
      signature: `${name}(${parameterList(params)}): ${resultText(resultType, resultOptional)}`,
      ...(descriptorDoc !== undefined ? { doc: descriptorDoc } : {}),
      ...(snapshot ? { snapshot: true } : {}),
    },
    docs: { proxyDoc: doc?.lines ?? [], protoDoc: doc?.summary ?? [], returnsDoc: doc?.returns ?? [] },
  };
}

/**
 * The TypeScript parameter list of a method (`a: number, b?: string`). An optional parameter followed by a
 * required one is written `T | undefined`, as TypeScript demands.
 */
export function parameterList(params: readonly FieldDescriptor[], used?: Set<string>): string {
  return params
    .map((p, i) => {
      const type = tsTypeText(p.type, { used });
      if (!p.optional) return `${p.name}: ${type}`;
      return params.slice(i + 1).every((q) => q.optional) ? `${p.name}?: ${type}` : `${p.name}: ${type} | undefined`;
    })
    .join(", ");
}

/** `Promise<T>` / `Promise<T | undefined>` / `Promise<void>`. */
export function resultText(result: TypeDescriptor, optional: boolean, used?: Set<string>): string {
  return `Promise<${tsTypeText(result, { used })}${optional ? " | undefined" : ""}>`;
}
