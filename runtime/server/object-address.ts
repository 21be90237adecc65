/**
 * Which hosted object a call addresses, for every server-side handler: the object its `qmi-object` names, or, when
 * it names none, the only one of the kind the service serves (the object of a generated service, any object for
 * `qmi.core.Lock`, the task for `qmi.core.Task`). A named object that does not exist is passed on, so that the
 * dispatcher reports it like any unknown name.
 *
 * @module
 */
import { UnknownNameError } from "../protocol/errors.ts";
import { OBJECT_METADATA } from "../protocol/metadata-keys.ts";
import type { ServiceDescriptor } from "../protocol/service-descriptor.ts";
import type { DispatchRequest } from "../host/dispatcher.ts";
import type { HostedObject, ObjectRegistry } from "../host/object-registry.ts";

/** What the handlers need from their context. */
export interface ObjectServiceHost {
  readonly name: string;
  readonly objects: ObjectRegistry;
  dispatch(request: DispatchRequest): Promise<unknown>;
}

/** The objects a service can address, and why a named object is not one of them. */
export interface AddressableObjects {
  /** What they are, in the plural, e.g. `objects of qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator`. */
  readonly plural: string;
  accepts(hosted: HostedObject): boolean;
  /** Why `hosted` cannot be addressed, e.g. `is not a task (it is a NoisySineGenerator)`. */
  refusal(hosted: HostedObject): string;
}

/** Every hosted object (`qmi.core.Lock`). */
export const ANY_OBJECT: AddressableObjects = { plural: "objects", accepts: () => true, refusal: () => "" };

/** Hosted tasks (`qmi.core.Task`). */
export const TASKS: AddressableObjects = {
  plural: "tasks",
  accepts: (hosted) => hosted.kind === "task",
  refusal: (hosted) => `is not a task (it is a ${hosted.className})`,
};

/** The objects whose class implements the generated `service`. */
export function objectsOf(service: ServiceDescriptor): AddressableObjects {
  return {
    plural: `objects of ${service.protoService}`,
    accepts: (hosted) => hosted.descriptor?.protoService === service.protoService,
    refusal: (hosted) => `is a ${hosted.className}, which does not implement ${service.protoService}`,
  };
}

/** The object a call addresses: `named` (its `qmi-object`), or the only one of `among`. */
export function resolveObject(host: ObjectServiceHost, named: string | undefined, among: AddressableObjects): string {
  if (named !== undefined) {
    const hosted = host.objects.get(named);
    if (hosted && !among.accepts(hosted)) throw new UnknownNameError(`${host.name}.${named} ${among.refusal(hosted)}`);
    return named;
  }
  const candidates = host.objects.list().filter((hosted) => among.accepts(hosted));
  if (candidates.length === 1) return candidates[0]!.name;
  const names = candidates.map((o) => o.name).join(", ") || "none";
  throw new UnknownNameError(
    `Context ${host.name} hosts ${candidates.length} ${among.plural} (${names}); name one in the ${OBJECT_METADATA} metadata`,
  );
}
