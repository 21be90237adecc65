/**
 * Proxies to objects of peer contexts: the peer's `Describe` names the object's service, and this program's
 * generated code for that service gives the typed proxy.
 *
 * @module
 */
import { RemoteTarget } from "./call-targets.ts";
import type { CallOptions } from "../protocol/call-options.ts";
import { NotGeneratedError, UnknownNameError } from "../protocol/errors.ts";
import { findGeneratedForService, missingHostImportHint, missingProxyImportHint } from "../protocol/generated-services.ts";
import { makeProxy } from "./local-proxy.ts";
import type { PeerConnection } from "./peer-connection.ts";
import type { RpcProxy } from "./proxy.ts";

/** A proxy to `objectName` of the connected `peer`; `timeout` bounds the `Describe` call, in seconds. */
export async function remoteProxy(
  peer: PeerConnection,
  objectName: string,
  timeout: number,
  defaults: CallOptions,
): Promise<RpcProxy> {
  const contextName = peer.name;
  const answer = await peer.describe(Date.now() + timeout * 1000);
  const info = answer.objects.find((o) => o.name === objectName);
  if (!info) {
    const known = answer.objects.map((o) => o.name).join(", ") || "none";
    throw new UnknownNameError(`Context ${contextName} has no object named ${objectName} (objects: ${known})`);
  }
  if (!info.proto_service) {
    throw new NotGeneratedError(
      `${contextName}.${objectName} (${info.class_name}) is not served to peers: ${missingHostImportHint(info.class_name)}`,
    );
  }
  const generated = await findGeneratedForService(info.proto_service);
  if (!generated) {
    throw new NotGeneratedError(
      `This program has no generated proxy for ${info.proto_service}; ` +
        missingProxyImportHint(info.proto_service, info.class_name),
    );
  }
  const target = new RemoteTarget(peer, objectName, generated.descriptor);
  return makeProxy(`${contextName}.${objectName}`, target, generated, generated.descriptor, defaults);
}
