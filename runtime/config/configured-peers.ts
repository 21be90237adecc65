/**
 * `contexts.<name>.connect_to_peers`: the peers a context connects to when it starts, and where a configured
 * context serves.
 *
 * @module
 */
import { ConnectionError, QmiError } from "../protocol/errors.ts";
import type { QmiConfig } from "./config-schema.ts";

/** `host:port` of context `name` as `config` gives it (`contexts.<name>.host`, default 127.0.0.1, and a non-zero `tcp_server_port`), if it does. */
export function configuredAddress(config: QmiConfig, name: string): string | undefined {
  const entry = config.contexts?.[name];
  return entry?.tcp_server_port ? `${entry.host ?? "127.0.0.1"}:${entry.tcp_server_port}` : undefined;
}

/** What {@link connectConfiguredPeers} needs of a context. */
interface PeerConnector {
  readonly name: string;
  readonly configPath: string | undefined;
  connectToPeer(name: string, options: { ignoreDuplicate: boolean }): Promise<void>;
}

/** Connects to each of `peers` in order; the first failure is an error naming the peer and the config key. */
export async function connectConfiguredPeers(context: PeerConnector, peers: readonly string[]): Promise<void> {
  for (const peer of peers) {
    try {
      await context.connectToPeer(peer, { ignoreDuplicate: true });
    } catch (error) {
      const where = `contexts.${context.name}.connect_to_peers${context.configPath ? ` of ${context.configPath}` : ""}`;
      throw new ConnectionError(
        `Context ${context.name} could not connect to ${peer}, listed in ${where}: ${QmiError.from(error).message}. ` +
          `Start ${peer} first, or remove it from the list`,
        { cause: error },
      );
    }
  }
}
