/**
 * The objects a context hosts, by name.
 *
 * @module
 */
import { getRpcMetadata, type RpcMetadata } from "../driver/decorators.ts";
import { UnknownNameError, UsageError } from "../protocol/errors.ts";
import { Instrument } from "../driver/instrument.ts";
import { ObjectLock } from "./object-lock.ts";
import type { RpcObject } from "../driver/rpc-object.ts";
import { SerialQueue } from "./serial-queue.ts";
import type { GeneratedModuleExports, MethodDescriptor, ServiceDescriptor } from "../protocol/service-descriptor.ts";

/** What kind of object is hosted (as reported by `Describe`). */
export type ObjectKind = "instrument" | "task" | "object";

/** One RPC method of a hosted object, with what every call to it checks (looked up once per call). */
export interface HostedMethod {
  readonly name: string;
  /** Its generated descriptor (undefined for a class never generated): checks in-process arguments. */
  readonly descriptor: MethodDescriptor | undefined;
  /** Runs outside the object's queue (`@rpcMethod({ queued: false })`). */
  readonly outsideQueue: boolean;
  /** Refused with a `NotOpenError` while the instrument is closed. */
  readonly requiresOpen: boolean;
}

/** One hosted object with what the context needs to serve it. */
export interface HostedObject {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly instance: RpcObject;
  readonly className: string;
  readonly metadata: RpcMetadata;
  /** Generated code; undefined for a class that was never generated (in-process use only). */
  readonly generated: GeneratedModuleExports | undefined;
  /** The generated descriptor, if any. */
  readonly descriptor: ServiceDescriptor | undefined;
  /** Its RPC methods by name. */
  readonly methods: ReadonlyMap<string, HostedMethod>;
  /** Serialises the calls (and lock operations) to this object. */
  readonly queue: SerialQueue;
  /** Who may call this object. */
  readonly lock: ObjectLock;
  /** Aborted when the object is removed; ends its signal subscriptions and streams. */
  readonly removed: AbortSignal;
}

const validName = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Hosted objects of one context. */
export class ObjectRegistry {
  readonly #objects = new Map<string, HostedObject>();
  readonly #lifetimes = new Map<string, AbortController>();

  constructor(private readonly contextName: string) {}

  /** Adds an object; the name must be new and made of letters, digits, `_` and `-`. */
  add(instance: RpcObject, generated: GeneratedModuleExports | undefined): HostedObject {
    const name = instance.name;
    if (!validName.test(name)) {
      throw new UsageError(`Invalid object name ${JSON.stringify(name)}: use letters, digits, '_' and '-'`);
    }
    if (this.#objects.has(name)) throw new UsageError(`Context ${this.contextName} already has an object named ${name}`);
    const cls = instance.constructor as abstract new (...args: never[]) => unknown;
    const lifetime = new AbortController();
    const metadata = getRpcMetadata(cls);
    const hosted: HostedObject = {
      name,
      kind: instance instanceof Instrument ? "instrument" : (instance.constructor as { kind?: ObjectKind }).kind ?? "object",
      instance,
      className: cls.name,
      metadata,
      generated,
      descriptor: generated?.descriptor,
      methods: hostedMethods(instance, metadata, generated?.descriptor),
      queue: new SerialQueue(),
      lock: new ObjectLock(),
      removed: lifetime.signal,
    };
    this.#lifetimes.set(name, lifetime);
    this.#objects.set(name, hosted);
    return hosted;
  }

  /** Removes an object; returns it, or undefined if there was none. */
  remove(name: string): HostedObject | undefined {
    const hosted = this.#objects.get(name);
    this.#objects.delete(name);
    this.#lifetimes.get(name)?.abort();
    this.#lifetimes.delete(name);
    return hosted;
  }

  get(name: string): HostedObject | undefined {
    return this.#objects.get(name);
  }

  /** The object named `name`, or an {@link UnknownNameError} listing the objects that exist. */
  getOrThrow(name: string): HostedObject {
    const hosted = this.#objects.get(name);
    if (!hosted) {
      const known = [...this.#objects.keys()].join(", ") || "none";
      throw new UnknownNameError(`Context ${this.contextName} has no object named ${name} (objects: ${known})`);
    }
    return hosted;
  }

  /** All hosted objects, in the order they were added. */
  list(): HostedObject[] {
    return [...this.#objects.values()];
  }
}

function hostedMethods(instance: RpcObject, metadata: RpcMetadata, descriptor: ServiceDescriptor | undefined): Map<string, HostedMethod> {
  const isInstrument = instance instanceof Instrument;
  return new Map(
    metadata.methods.map((name) => [
      name,
      {
        name,
        descriptor: descriptor?.methods.find((m) => m.name === name),
        outsideQueue: metadata.methodsOutsideQueue.has(name),
        requiresOpen: isInstrument && !metadata.methodsAllowedWhenClosed.has(name),
      },
    ]),
  );
}
