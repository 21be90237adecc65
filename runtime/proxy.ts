/**
 * Proxies: how scripts call objects, local or remote, with the same semantics.
 *
 * A proxy holds a {@link CallTarget}: the context's own dispatcher for objects in the same process, or a peer
 * connection for objects elsewhere. Generated proxy classes (`generated/...`) extend {@link RpcProxy} with one
 * typed method per RPC.
 *
 * @module
 */
import type { CallOptions } from "./call-options.ts";
import type { ServiceDescriptor } from "./service-descriptor.ts";

/** The symbol under which a proxy performs calls; generated proxies call `this[invoke](method, args, options)`. */
export const invoke: unique symbol = Symbol("qmi.invoke");

/** Where a proxy's calls go. */
export interface CallTarget {
  /** Calls `method` of the object with positional `args`. */
  call(method: string, args: readonly unknown[], options: CallOptions): Promise<unknown>;
}

/** What a proxy knows about the object it stands for. */
export interface ProxyBinding {
  /** `<context>.<object>`. */
  readonly address: string;
  readonly descriptor: ServiceDescriptor;
  readonly target: CallTarget;
  /** Proxy-wide default options (e.g. a timeout), overridden per call. */
  readonly defaults?: CallOptions;
}

const bindings = new WeakMap<RpcProxy, ProxyBinding>();

/** Base class of all proxies. */
export class RpcProxy {
  constructor(binding: ProxyBinding) {
    bindings.set(this, binding);
  }

  /** Performs a call; generated methods delegate here. @internal */
  [invoke](method: string, args: readonly unknown[], options?: CallOptions): Promise<unknown> {
    const binding = bindings.get(this)!;
    return binding.target.call(method, args, { ...binding.defaults, ...options });
  }

  /** What `console.log(proxy)` prints: the same as {@link toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** `<rpc proxy for ctx.obj (service)>`, like QMI. */
  toString(): string {
    const binding = bindings.get(this)!;
    return `<rpc proxy for ${binding.address} (${binding.descriptor.protoService})>`;
  }
}

/** The binding of a proxy: its address, descriptor and target. */
export function proxyBinding(proxy: RpcProxy): ProxyBinding {
  const binding = bindings.get(proxy);
  if (!binding) throw new TypeError("Not a qmi-ts proxy");
  return binding;
}

/** Members of driver classes that are not RPC methods and so do not appear on proxies. */
type NonRpcMembers = "checkIsOpen" | "release" | "name" | "contextName";

/**
 * The proxy type of a driver class `T`: each method returns a Promise and accepts {@link CallOptions} last.
 * (Which methods are RPCs is decided by `@rpcMethod`; this type lists the public methods.)
 */
export type Proxied<T> = RpcProxy & {
  [K in Exclude<keyof T, NonRpcMembers> as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: [...A, CallOptions?]) => Promise<Awaited<R>>
    : never;
};

/** A proxy whose methods are not known to the type system (`getInstrument("ctx.obj")` without a class). */
export type UntypedProxy = RpcProxy & { readonly [method: string]: (...args: unknown[]) => Promise<unknown> };

/** A generated proxy class. */
export type ProxyClass<P extends RpcProxy = RpcProxy> = new (binding: ProxyBinding) => P;
