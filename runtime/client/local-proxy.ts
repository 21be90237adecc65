/**
 * Builds proxies from what a context knows: the generated proxy class when there is one, otherwise a plain
 * proxy whose methods come from the class's decorator metadata (in-process use of a class never generated).
 *
 * @module
 */
import type { RpcMetadata } from "../driver/decorators.ts";
import { RpcProxy, invoke, type CallTarget, type ProxyClass } from "./proxy.ts";
import type { GeneratedModuleExports, MethodDescriptor, ServiceDescriptor } from "../protocol/service-descriptor.ts";
import type { CallOptions } from "../protocol/call-options.ts";

/** A descriptor made from decorator metadata alone: names, no types (used for help and addressing only). */
export function descriptorFromMetadata(className: string, metadata: RpcMetadata): ServiceDescriptor {
  const methods: MethodDescriptor[] = metadata.methods.map((name) => ({
    name,
    rpcName: name.charAt(0).toUpperCase() + name.slice(1),
    requestType: "",
    responseType: "",
    params: [],
    result: { kind: "void" },
    resultOptional: false,
    signature: `${name}(...)`,
  }));
  return {
    className,
    sourceFile: "",
    protoFile: "",
    protoPackage: "",
    protoService: "",
    methods,
    signals: [],
    constants: metadata.constants.map((name) => ({ name, type: "unknown" })),
    messages: [],
    enums: [],
  };
}

/** A proxy over `target`: an instance of the generated proxy class, or a plain one with a method per RPC name. */
export function makeProxy(
  address: string,
  target: CallTarget,
  generated: GeneratedModuleExports | undefined,
  fallback: ServiceDescriptor,
  defaults?: CallOptions,
  fallbackBase: ProxyClass = RpcProxy,
): RpcProxy {
  if (generated) {
    const proxyClass = generated.proxyClass as unknown as ProxyClass;
    return new proxyClass({ address, descriptor: generated.descriptor, target, defaults });
  }
  const proxy = new fallbackBase({ address, descriptor: fallback, target, defaults });
  for (const method of fallback.methods) {
    if (method.name in proxy) continue;
    Object.defineProperty(proxy, method.name, {
      value: (...args: unknown[]) => {
        const last = args.at(-1);
        const hasOptions = args.length > 0 && isCallOptions(last);
        return proxy[invoke](method.name, hasOptions ? args.slice(0, -1) : args, hasOptions ? (last as CallOptions) : {});
      },
      enumerable: false,
    });
  }
  return proxy;
}

/** Without generated types, a trailing `{ timeout }` / `{ signal }` object is taken as call options. */
function isCallOptions(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === "timeout" || k === "signal");
}
