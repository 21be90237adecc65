/**
 * What a context says about the objects it hosts: the `ObjectInfo` entries of `qmi.core.Context/Describe`.
 *
 * @module
 */
import { descriptorFromMetadata } from "../client/local-proxy.ts";
import type { HostedObject } from "../host/object-registry.ts";

/**
 * The wire form of one `qmi.core.ObjectInfo`: kind, class, proto service, docs, methods, signals and constants, and
 * the lock state: whether it is locked and by which context (never the token). The lock is read as it is now,
 * outside the object's queue: a snapshot, which lock operations queued before may change at once.
 */
export function describeObject(hosted: HostedObject): Record<string, unknown> {
  const descriptor = hosted.descriptor ?? descriptorFromMetadata(hosted.className, hosted.metadata);
  const cls = hosted.instance.constructor as unknown as Record<string, unknown>;
  return {
    name: hosted.name,
    kind: hosted.kind,
    class_name: hosted.className,
    proto_service: descriptor.protoService,
    doc: descriptor.doc ?? "",
    methods: descriptor.methods.map((m) => ({ name: m.name, rpc_name: m.rpcName, signature: m.signature, doc: m.doc ?? "" })),
    signals: descriptor.signals.map((s) => ({ name: s.name, rpc_name: s.rpcName, doc: s.doc ?? "" })),
    constants: descriptor.constants.map((c) => ({
      name: c.name,
      type: c.type,
      value_json: JSON.stringify(cls[c.name] ?? null),
      doc: c.doc ?? "",
    })),
    locked: hosted.lock.isLocked,
    locked_by: hosted.lock.holderContext ?? "",
  };
}
