/**
 * The decorators that make a class remotely usable (TC39 standard decorators).
 *
 * ```ts
 * export class PowerMeter extends Instrument {
 *   /** Wavelength range in nm. *\/
 *   @rpcConstant static readonly WAVELENGTH_RANGE = [400, 1100];
 *   /** Published after each reading. *\/
 *   @signal readonly powerMeasured = new Signal<{ watts: number }>();
 *   /** Read the power in watts. *\/
 *   @rpcMethod async getPower(): Promise<number> { ... }
 *   /** Name of the device; callable while closed. *\/
 *   @rpcMethod({ requiresOpen: false }) async getModel(): Promise<string> { ... }
 * }
 * ```
 *
 * The decorators only record names in the class's decorator metadata; the generator reads the same decorators
 * from the source to emit `.proto` files and proxies. Decorated members are inherited by subclasses.
 *
 * @module
 */

// Node 20 has no Symbol.metadata; decorator metadata needs it before any decorated class is defined.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** Options of {@link rpcMethod}. */
export interface RpcMethodOptions {
  /** When false, an instrument accepts the call while it is closed. Default true. */
  readonly requiresOpen?: boolean;
  /**
   * When false, the call does not wait behind earlier calls to the object (nor holds later ones up); it still
   * passes the lock and deadline checks. For long waits such as a task runner's `join()`. Default true.
   */
  readonly queued?: boolean;
  /**
   * When true, the method reads one of the instrument's settings without side effects and takes no arguments:
   * a recorder (`qmi.record`) calls it when recording starts and keeps the result with the data, as the settings
   * the data were taken with. The generator writes it into the method's descriptor. Default false.
   */
  readonly snapshot?: boolean;
}

/** What the decorators recorded for one class, including inherited members. */
export interface RpcMetadata {
  /** RPC method names in declaration order, base classes first. */
  readonly methods: readonly string[];
  /** Methods callable while an instrument is closed. */
  readonly methodsAllowedWhenClosed: ReadonlySet<string>;
  /** Methods that run outside the object's call queue (`@rpcMethod({ queued: false })`). */
  readonly methodsOutsideQueue: ReadonlySet<string>;
  /** `@signal` property names. */
  readonly signals: readonly string[];
  /** `@rpcConstant` static property names. */
  readonly constants: readonly string[];
}

const metadataKey = Symbol("qmi.rpc");

interface MutableRpcMetadata {
  methods: string[];
  methodsAllowedWhenClosed: Set<string>;
  methodsOutsideQueue: Set<string>;
  signals: string[];
  constants: string[];
}

/** The metadata record of the class being decorated, copied from the base class on first write. */
function ownRecord(metadata: DecoratorMetadataObject): MutableRpcMetadata {
  if (!Object.hasOwn(metadata, metadataKey)) {
    const inherited = metadata[metadataKey] as MutableRpcMetadata | undefined;
    metadata[metadataKey] = {
      methods: [...(inherited?.methods ?? [])],
      methodsAllowedWhenClosed: new Set(inherited?.methodsAllowedWhenClosed ?? []),
      methodsOutsideQueue: new Set(inherited?.methodsOutsideQueue ?? []),
      signals: [...(inherited?.signals ?? [])],
      constants: [...(inherited?.constants ?? [])],
    } satisfies MutableRpcMetadata;
  }
  return metadata[metadataKey] as MutableRpcMetadata;
}

function addUnique(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

type AnyMethod = (this: never, ...args: never[]) => unknown;

/** Names every proxy has already (lock operations, `subscribe`, `toString`, `then`), so no RPC method may take them. */
const reservedNames = new Set(["lock", "unlock", "forceUnlock", "isLocked", "subscribe", "toString", "then", "constructor"]);

function recordMethod(context: ClassMethodDecoratorContext, options: RpcMethodOptions): void {
  if (context.static || context.private || typeof context.name !== "string") {
    throw new TypeError("@rpcMethod applies to public, non-static methods with a string name");
  }
  if (reservedNames.has(context.name)) {
    throw new TypeError(`@rpcMethod ${context.name}: the name is reserved for proxies; choose another method name`);
  }
  const record = ownRecord(context.metadata);
  addUnique(record.methods, context.name);
  if (options.requiresOpen === false) record.methodsAllowedWhenClosed.add(context.name);
  else record.methodsAllowedWhenClosed.delete(context.name);
  if (options.queued === false) record.methodsOutsideQueue.add(context.name);
  else record.methodsOutsideQueue.delete(context.name);
}

/**
 * Marks a public method as remotely callable. Use bare (`@rpcMethod`) or with options
 * (`@rpcMethod({ requiresOpen: false })`).
 */
export function rpcMethod<M extends AnyMethod>(method: M, context: ClassMethodDecoratorContext): void;
export function rpcMethod(
  options: RpcMethodOptions,
): <M extends AnyMethod>(method: M, context: ClassMethodDecoratorContext) => void;
export function rpcMethod(
  methodOrOptions: AnyMethod | RpcMethodOptions,
  context?: ClassMethodDecoratorContext,
): void | ((method: AnyMethod, context: ClassMethodDecoratorContext) => void) {
  if (typeof methodOrOptions === "function") {
    recordMethod(context!, {});
    return;
  }
  const options = methodOrOptions;
  return (method, ctx) => {
    if (options.snapshot && method.length > 0) {
      throw new TypeError(`@rpcMethod({ snapshot: true }) ${String(ctx.name)}: a settings snapshot calls the method without arguments, and it declares ${method.length}`);
    }
    recordMethod(ctx, options);
  };
}

/** Exposes a static class constant to remote clients (listed by `Describe` and by help). */
export function rpcConstant(_value: undefined, context: ClassFieldDecoratorContext): void {
  if (!context.static || typeof context.name !== "string") {
    throw new TypeError("@rpcConstant applies to static fields with a string name");
  }
  addUnique(ownRecord(context.metadata).constants, context.name);
}

/** Declares a signal the object publishes; the field holds a {@link Signal}. */
export function signal(_value: undefined, context: ClassFieldDecoratorContext): void {
  if (context.static || context.private || typeof context.name !== "string") {
    throw new TypeError("@signal applies to public instance fields with a string name");
  }
  addUnique(ownRecord(context.metadata).signals, context.name);
}

const empty: RpcMetadata = {
  methods: [],
  methodsAllowedWhenClosed: new Set(),
  methodsOutsideQueue: new Set(),
  signals: [],
  constants: [],
};

/** The decorator metadata of a class (empty when it has no decorated members). */
export function getRpcMetadata(cls: abstract new (...args: never[]) => unknown): RpcMetadata {
  const metadata = (cls as { [Symbol.metadata]?: DecoratorMetadataObject | null })[Symbol.metadata];
  return (metadata?.[metadataKey] as RpcMetadata | undefined) ?? empty;
}
