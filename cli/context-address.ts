/**
 * Where a CLI command finds a context: `--address`, else the configuration's `contexts.<name>`, else discovery.
 *
 * @module
 */
import type { QmiConfig } from "../runtime/config/config.ts";
import { discoverContexts } from "../runtime/discovery/discover-contexts.ts";
import { DEFAULT_DISCOVERY_PORT, discoveryScope } from "../runtime/discovery/scope.ts";
import { UnknownNameError } from "../runtime/protocol/errors.ts";
import { configuredAddress } from "../runtime/config/configured-peers.ts";

/** `host:port` of the context `name`. */
export async function resolveContextAddress(name: string, address: string | undefined, config: QmiConfig): Promise<string> {
  if (address !== undefined) return address;
  const configured = configuredAddress(config, name);
  if (configured !== undefined) return configured;
  const found = await discoverContexts({
    scope: discoveryScope("127.0.0.1", config.discovery?.address),
    port: config.discovery?.port ?? DEFAULT_DISCOVERY_PORT,
    workgroup: config.workgroup ?? "default",
    contextName: name,
    timeout: config.discovery?.timeout ?? 0.5,
  });
  if (found.length === 0) {
    throw new UnknownNameError(
      `No context named ${name} answered discovery, and the configuration gives it no port; pass --address host:port`,
    );
  }
  return found[0]!.address;
}
