/**
 * Answers discovery queries for one context: listens on the discovery port (shared with the other contexts of
 * the machine) in the context's {@link DiscoveryScope} and answers, by unicast to the sender, each valid query
 * whose workgroup and context-name patterns match this context. Everything else (garbage, foreign packets such
 * as QMI's, answers, queries for other workgroups) is ignored; no packet ever makes it do anything but answer.
 *
 * @module
 */
import type { Socket } from "node:dgram";
import { getLogger } from "../log.ts";
import { decodePacket, encodePacket } from "./packet.ts";
import type { DiscoveryScope } from "./scope.ts";
import { openUdpSocket, sendUdp } from "./udp-socket.ts";
import { matchesWildcard } from "./wildcard.ts";

const log = getLogger("qmi.core.discovery");

/** What a responder says about its context. */
export interface ResponderIdentity {
  readonly name: string;
  readonly workgroup: string;
  /** The bound host of the context's server ("" when it binds all interfaces). */
  readonly host: string;
  readonly port: number;
}

/** The discovery responder of one context. */
export class DiscoveryResponder {
  #closed = false;

  private constructor(
    private readonly listener: Socket,
    private readonly replier: Socket,
    private readonly identity: ResponderIdentity,
    private readonly scope: DiscoveryScope,
  ) {
    listener.on("message", (data, from) => void this.#onMessage(data, from.address, from.port));
    listener.on("error", (error) => log.warning(`Discovery socket error: ${error.message}`));
    replier.on("error", (error) => log.warning(`Discovery socket error: ${error.message}`));
  }

  /** Starts answering on `scope.listenAddress:port`. Fails with a ConnectionError if the port cannot be shared. */
  static async start(identity: ResponderIdentity, scope: DiscoveryScope, port: number): Promise<DiscoveryResponder> {
    const listener = await openUdpSocket(scope.listenAddress, port, true);
    let replier: Socket;
    try {
      replier = await openUdpSocket(scope.sendFrom, 0, false);
    } catch (error) {
      listener.close();
      throw error;
    }
    log.info(`Context ${identity.name} answers discovery (workgroup ${identity.workgroup}) on ${scope.listenAddress}:${port} (${scope.kind} scope)`);
    return new DiscoveryResponder(listener, replier, identity, scope);
  }

  /** Stops answering. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.listener.close();
    this.replier.close();
  }

  async #onMessage(data: Buffer, address: string, port: number): Promise<void> {
    const packet = decodePacket(data);
    if (packet?.type !== "query") {
      log.debug(`Ignored a ${data.length}-byte packet from ${address}:${port} that is not a discovery query`);
      return;
    }
    if (this.scope.kind === "loopback" && !address.startsWith("127.")) return;
    const { name, workgroup, host, port: tcpPort } = this.identity;
    if (!matchesWildcard(packet.workgroup, workgroup) || !matchesWildcard(packet.contextName, name)) return;
    const answer = encodePacket({ type: "answer", requestId: packet.requestId, name, workgroup, host, port: tcpPort, pid: process.pid });
    if (this.#closed) return;
    const error = await sendUdp(this.replier, answer, port, address);
    if (error) log.debug(`Discovery answer to ${address}:${port} failed: ${error.message}`);
  }
}
