/**
 * `showNetworkContexts()`: discovers the contexts of the process-wide context's workgroup and prints the
 * tutorial's table (name, address, connected), to check which contexts are up and where.
 *
 * @module
 */
import { context } from "./context-singleton.ts";
import type { DiscoverPeerOptions } from "../discovery/discover-contexts.ts";
import { formatContextsTable, type NetworkContextRow } from "./network-contexts-table.ts";

/** Prints (to stdout) the contexts discovered by the process-wide context, and returns the rows. */
export async function showNetworkContexts(options: DiscoverPeerOptions = {}): Promise<NetworkContextRow[]> {
  const own = context();
  const connected = new Set(own.peers().map((peer) => peer.name));
  const found = await own.discoverPeerContexts(options);
  const rows = found.map(({ name, address }) => ({ name, address, connected: connected.has(name) }));
  process.stdout.write(formatContextsTable(rows));
  return rows;
}
