/**
 * `contexts.<name>.connect_to_peers`: the peers a context connects to when it starts.
 *
 * @module
 */
import { ConnectionError, QmiError } from "../protocol/errors.ts";

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
