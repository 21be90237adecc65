/**
 * The transport plug-in seam: schemes map to a spec and a factory. Built-ins (`serial`, `tcp`, `udp`, `usbtmc`)
 * register through {@link registerTransport} like any third-party transport (see `builtin-transports.ts`).
 *
 * ```ts
 * registerTransport(mySpec, (descriptor) => new MyTransport(descriptor));
 * const t = createTransport("my:thing:speed=3");
 * ```
 *
 * @module
 */
import { InvalidArgumentError, UsageError } from "../protocol/errors.ts";
import { descriptorScheme, parseDescriptor, type DescriptorDefaults, type DescriptorSpec, type ParsedDescriptor } from "./descriptor.ts";
import type { Transport } from "./transport.ts";

/** Makes a transport from a descriptor already checked against the scheme's spec. */
export type TransportFactory = (descriptor: ParsedDescriptor) => Transport;

interface Registration {
  readonly spec: DescriptorSpec;
  readonly factory: TransportFactory;
}

const registry = new Map<string, Registration>();

/** Registers a scheme; registering a scheme twice is an error unless `replace` is set. */
export function registerTransport(spec: DescriptorSpec, factory: TransportFactory, options: { replace?: boolean } = {}): void {
  const scheme = spec.scheme.toLowerCase();
  if (registry.has(scheme) && !options.replace) {
    throw new UsageError(`Transport scheme ${scheme}: is already registered; pass { replace: true } to replace it`);
  }
  registry.set(scheme, { spec, factory });
}

/** The registered schemes, sorted. */
export function transportSchemes(): string[] {
  return [...registry.keys()].sort();
}

/** The spec of a registered scheme, or undefined. */
export function getTransportSpec(scheme: string): DescriptorSpec | undefined {
  return registry.get(scheme.toLowerCase())?.spec;
}

/** Options of {@link createTransport}. */
export interface CreateTransportOptions {
  /** Driver defaults for values the descriptor leaves out, e.g. `{ port: 5025, baudrate: 57600 }`. */
  readonly defaults?: DescriptorDefaults;
  /** Schemes the driver supports; others are refused with a message listing these. */
  readonly schemes?: readonly string[];
}

/** Makes a (closed) transport from a descriptor string such as `tcp:127.0.0.1:5025`. */
export function createTransport(descriptor: string, options: CreateTransportOptions = {}): Transport {
  if (typeof descriptor !== "string" || descriptor.trim() === "") {
    throw new InvalidArgumentError(`Bad transport descriptor ${JSON.stringify(descriptor)}: expected a string such as tcp:127.0.0.1:5025`);
  }
  const scheme = descriptorScheme(descriptor);
  const registration = registry.get(scheme);
  const allowed = options.schemes ?? transportSchemes();
  if (!registration || !allowed.includes(scheme)) {
    const examples = allowed.map((s) => registry.get(s)?.spec.example ?? `${s}:...`).join(", ");
    throw new InvalidArgumentError(
      `Bad transport descriptor ${JSON.stringify(descriptor)}: unknown or unsupported scheme ${JSON.stringify(scheme)}; ` +
        `expected one of ${allowed.join(", ")}, e.g. ${examples}`,
    );
  }
  return registration.factory(parseDescriptor(descriptor, registration.spec, options.defaults));
}
