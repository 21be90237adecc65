/**
 * Proxies: how scripts call objects, local or remote, with the same semantics.
 *
 * A proxy holds a {@link CallTarget}: the context's own dispatcher for objects in the same process, or a peer
 * connection for objects elsewhere. Generated proxy classes (`generated/...`) extend {@link RpcProxy} with one
 * typed method per RPC.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_CALL_TIMEOUT, type CallOptions } from "../protocol/call-options.ts";
import type { LockOperation } from "../host/dispatcher.ts";
import { lockWaitMs } from "../host/object-lock.ts";
import type { ServiceDescriptor } from "../protocol/service-descriptor.ts";
import type { SignalSink } from "../signals/signal-receiver.ts";
import type { Subscription } from "../signals/signal-subscription.ts";

/** The symbol under which a proxy performs calls; generated proxies call `this[invoke](method, args, options)`. */
export const invoke: unique symbol = Symbol("qmi.invoke");

/** Where a proxy's calls go. */
export interface CallTarget {
  /** Calls `method` of the object with positional `args`, carrying the proxy's lock token. */
  call(method: string, args: readonly unknown[], options: CallOptions, lockToken: string): Promise<unknown>;
  /** Applies a lock operation to the object with `lockToken`. */
  lockOperation(operation: LockOperation, options: CallOptions, lockToken: string): Promise<boolean>;
  /** Subscribes `sink` to the object's signal `signalName`. */
  subscribe(signalName: string, sink: SignalSink<never>): Promise<Subscription>;
}

/** Options of {@link RpcProxy.lock}. */
export interface LockOptions {
  /** A token of your choosing, so that another proxy knowing it can unlock; default the proxy's own token. */
  readonly lockToken?: string;
  /**
   * Seconds to keep trying while another proxy holds the lock, 0 to `MAX_LOCK_TIMEOUT` (one day); default 0
   * (answer at once). Anything else (more, negative, NaN, Infinity) is an `InvalidArgumentError`.
   */
  readonly timeout?: number;
  /**
   * Tie the lock to this context's connection to the object's context: it is released when this context
   * disconnects or its process dies. (In-process, where both share one process, it changes nothing.)
   */
  readonly lease?: boolean;
}

/** Options of {@link RpcProxy.unlock}. */
export interface UnlockOptions {
  /** The token the lock was taken with; default the token this proxy carries. */
  readonly lockToken?: string;
  /** The context that took the lock, when it was another one; default this proxy's context. */
  readonly contextName?: string;
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

interface ProxyState {
  readonly binding: ProxyBinding;
  /** The proxy's own lock token: random, so no other proxy (nor a restarted context) ever shares it. */
  readonly ownLockToken: string;
  /** The lock token calls carry: the own one, or the custom one of the lock this proxy took. */
  lockToken: string;
}

/** The state of a proxy, read outside the class (see {@link proxyBinding}). */
let stateOf: (proxy: RpcProxy) => ProxyState | undefined;

/** The options of a call made without any. */
const NO_OPTIONS: CallOptions = Object.freeze({});

/**
 * Base class of all proxies: the lock operations every hosted object has, and the call path of the generated
 * methods.
 *
 * Locks are owned by proxies: `lock()` takes the object's lock for this proxy; while it is held, calls through
 * any other proxy fail with a `LockedError` ("The object is locked by another proxy") without running.
 */
export class RpcProxy {
  // A private field rather than a WeakMap keyed by the proxy: it stays off the proxy's visible members and is
  // read on every call, where a WeakMap lookup was a measurable part of an in-process call.
  readonly #state: ProxyState;

  static {
    stateOf = (proxy) => (#state in proxy ? proxy.#state : undefined);
  }

  constructor(binding: ProxyBinding) {
    const ownLockToken = randomUUID();
    this.#state = { binding, ownLockToken, lockToken: ownLockToken };
  }

  /** Performs a call; generated methods delegate here. @internal */
  [invoke](method: string, args: readonly unknown[], options?: CallOptions): Promise<unknown> {
    const { binding, lockToken } = this.#state;
    const defaults = binding.defaults;
    const merged = defaults && (defaults.timeout !== undefined || defaults.signal !== undefined) ? { ...defaults, ...options } : options;
    return binding.target.call(method, args, merged ?? NO_OPTIONS, lockToken);
  }

  /**
   * Locks the object for this proxy. Resolves true when granted (also when this proxy already holds it),
   * false when another proxy holds it after `timeout` seconds of trying. With a custom `lockToken`, the proxy
   * carries that token from then on, until it unlocks.
   */
  async lock(options: LockOptions = {}): Promise<boolean> {
    const state = this.#state;
    const lockToken = options.lockToken ?? state.lockToken;
    const wait = options.timeout ?? 0;
    lockWaitMs(wait); // here too: an invalid wait would make an invalid call timeout below
    const granted = await this.#lockOperation({ kind: "lock", timeout: wait, lease: options.lease }, lockToken, wait);
    if (granted) state.lockToken = lockToken;
    return granted;
  }

  /**
   * Releases the lock. Resolves true when released, false (with a warning in the object's log) when the object
   * was not locked with this proxy's token, or with `lockToken` / `contextName` when given.
   */
  async unlock(options: UnlockOptions = {}): Promise<boolean> {
    const state = this.#state;
    const lockToken = options.lockToken ?? state.lockToken;
    const operation: LockOperation = { kind: "unlock", contextName: options.contextName };
    const released = await this.#lockOperation(operation, lockToken, 0);
    if (released && lockToken === state.lockToken) state.lockToken = state.ownLockToken;
    return released;
  }

  /**
   * Subscribes `receiver` to the object's signal `signalName` (its `@signal` field name). Resolves once every
   * later publish will reach the receiver; rejects with an `UnknownNameError` for an unknown object or signal.
   * In-process subscriptions are listeners (no sockets); remote ones are `Subscribe<Signal>` server streams.
   */
  subscribe<T>(signalName: string, receiver: SignalSink<T>): Promise<Subscription> {
    return this.#state.binding.target.subscribe(signalName, receiver as SignalSink<never>);
  }

  /** Clears the object's lock whoever holds it (logged as a warning by the object's context). */
  async forceUnlock(): Promise<void> {
    await this.#lockOperation({ kind: "forceUnlock" }, this.#state.lockToken, 0);
  }

  /** True when the object is locked, by any proxy. */
  isLocked(): Promise<boolean> {
    return this.#lockOperation({ kind: "isLocked" }, this.#state.lockToken, 0);
  }

  /** A lock operation whose deadline allows for `wait` seconds of trying on top of the call timeout. */
  #lockOperation(operation: LockOperation, lockToken: string, wait: number): Promise<boolean> {
    const { binding } = this.#state;
    const timeout = wait + (binding.defaults?.timeout ?? DEFAULT_CALL_TIMEOUT);
    return binding.target.lockOperation(operation, { timeout }, lockToken);
  }

  /** What `console.log(proxy)` prints: the same as {@link toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** `<rpc proxy for ctx.obj (service)>`, like QMI. */
  toString(): string {
    const { binding } = this.#state;
    return `<rpc proxy for ${binding.address} (${binding.descriptor.protoService})>`;
  }
}

/** The binding of a proxy: its address, descriptor and target. */
export function proxyBinding(proxy: RpcProxy): ProxyBinding {
  const state = stateOf(proxy);
  if (!state) throw new TypeError("Not a qmi-ts proxy");
  return state.binding;
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
