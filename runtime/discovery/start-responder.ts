/**
 * Starts a context's discovery responder per its configuration; a context stays usable (if not discoverable)
 * when the discovery port cannot be opened.
 *
 * @module
 */
import type { QmiConfig } from "../config/config-schema.ts";
import { getLogger } from "../logging/log.ts";
import { DiscoveryResponder } from "./discovery-responder.ts";
import { discoverySettings } from "./discovery-settings.ts";

const log = getLogger("qmi.core.discovery");

/** The responder of context `name` serving on `host:port`, or undefined when disabled or impossible. */
export async function startResponder(
  name: string,
  config: QmiConfig,
  host: string,
  port: number,
): Promise<DiscoveryResponder | undefined> {
  const settings = discoverySettings(config, host);
  if (!settings.enabled) return undefined;
  const advertised = host === "0.0.0.0" || host === "::" ? "" : host;
  try {
    return await DiscoveryResponder.start(
      { name, workgroup: settings.workgroup, host: advertised, port },
      settings.scope,
      settings.port,
    );
  } catch (error) {
    log.warning(`Context ${name} is not discoverable: ${(error as Error).message}`);
    return undefined;
  }
}
