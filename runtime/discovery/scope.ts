/**
 * Where discovery listens and sends, which follows the bind address of the context (secure by default):
 *
 * - **loopback** (the context binds a loopback host such as 127.0.0.1, and no `discovery.address` is set): the
 *   responder listens on 127.255.255.255, which only packets from this machine can reach, and queries go to
 *   127.255.255.255 (Linux delivers them on `lo` to every listener sharing the port). Nothing leaves the machine.
 * - **lan** (the context binds another host, or `discovery.address` names a target): the responder listens on
 *   all interfaces, and queries also go to `discovery.address`, or else to the directed broadcast address of
 *   the interface owning the bound host (of every IPv4 interface when it binds all interfaces).
 *
 * @module
 */
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

/** Default UDP port of discovery (QMI uses 35999 with another packet format; the two never mix). */
export const DEFAULT_DISCOVERY_PORT = 35998;
/** The loopback broadcast address. */
export const LOOPBACK_BROADCAST = "127.255.255.255";

/** Where discovery listens and sends. */
export interface DiscoveryScope {
  readonly kind: "loopback" | "lan";
  /** Address the responder binds (with the discovery port, shared by all contexts of the machine). */
  readonly listenAddress: string;
  /** Address the query and answer sockets bind (with an ephemeral port). */
  readonly sendFrom: string;
  /** Addresses queries are sent to. */
  readonly targets: readonly string[];
}

/** True for 127.0.0.0/8, `localhost` and `::1`. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The directed broadcast address of an IPv4 interface, e.g. 192.168.1.255 for 192.168.1.7/24. */
export function broadcastAddress(address: string, netmask: string): string {
  const a = address.split(".").map(Number);
  const m = netmask.split(".").map(Number);
  return a.map((byte, i) => (byte | (~m[i]! & 255)) & 255).join(".");
}

/**
 * The scope of a context bound to `host`, with `discovery.address` = `address`. `interfaces` is for tests
 * (default: this machine's).
 */
export function discoveryScope(
  host: string,
  address?: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): DiscoveryScope {
  if (isLoopbackHost(host) && address === undefined) {
    return { kind: "loopback", listenAddress: LOOPBACK_BROADCAST, sendFrom: "127.0.0.1", targets: [LOOPBACK_BROADCAST] };
  }
  const targets = new Set([LOOPBACK_BROADCAST]);
  if (address !== undefined) {
    targets.add(address);
  } else {
    const all = host === "0.0.0.0" || host === "::";
    for (const info of Object.values(interfaces).flat()) {
      if (!info || info.family !== "IPv4" || info.internal) continue;
      if (all || info.address === host) targets.add(broadcastAddress(info.address, info.netmask));
    }
  }
  return { kind: "lan", listenAddress: "0.0.0.0", sendFrom: "0.0.0.0", targets: [...targets] };
}
