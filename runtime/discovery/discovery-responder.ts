/**
 * Answers discovery queries for one context: listens on the discovery port (shared with the other contexts of
 * the machine) in the context's {@link DiscoveryScope} and answers, by unicast to the sender, each valid query
 * whose workgroup and context-name patterns match this context. Everything else (garbage, foreign packets such
 * as QMI's, answers, queries for other workgroups) is ignored; no packet ever makes it do anything but answer.
 *
 * One packet costs little whatever it holds: anything longer than the longest valid packet is refused
 * unread, its patterns are matched in O(pattern × name) steps, and nothing in it can throw out of the socket
 * handler. Answers are rate-limited ({@link AnswerLimiter}) and never sent to a privileged source port, so that
 * forged queries do not make the lab's contexts flood a host or one of its system services.
 *
 * @module
 */
import type { Socket } from "node:dgram";
import { ConnectionError } from "../protocol/errors.ts";
import { getLogger } from "../logging/log.ts";
import { AnswerLimiter } from "./answer-limiter.ts";
import { decodePacket, encodePacket, MAX_TEXT_BYTES } from "./packet.ts";
import type { DiscoveryScope } from "./scope.ts";
import { openUdpSocket, sendUdp } from "./udp-socket.ts";
import { matchesWildcard } from "./wildcard.ts";

const log = getLogger("qmi.core.discovery");

/** Queries from ports below this are not answered: real queries come from ephemeral ports. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/** What a responder says about its context. */
interface ResponderIdentity {
  readonly name: string;
  readonly workgroup: string;
  /** The bound host of the context's server ("" when it binds all interfaces). */
  readonly host: string;
  readonly port: number;
}

/** The discovery responder of one context. */
export class DiscoveryResponder {
  #closed = false;
  readonly #limiter = new AnswerLimiter();
  /** Answers dropped by the limiter since the last one sent. */
  #dropped = 0;

  private constructor(
    private readonly listener: Socket,
    private readonly replier: Socket,
    private readonly identity: ResponderIdentity,
    private readonly scope: DiscoveryScope,
  ) {
    listener.on("message", (data, from) => this.#onMessage(data, from.address, from.port));
    listener.on("error", (error) => log.warning(`Discovery socket error: ${error.message}`));
    replier.on("error", (error) => log.warning(`Discovery socket error: ${error.message}`));
  }

  /**
   * Starts answering on `scope.listenAddress:port`. Fails with a ConnectionError if the port cannot be shared,
   * or if the identity does not fit in an answer (a name, workgroup or host longer than 128 UTF-8 bytes).
   */
  static async start(identity: ResponderIdentity, scope: DiscoveryScope, port: number): Promise<DiscoveryResponder> {
    try {
      encodePacket({ type: "answer", requestId: Buffer.alloc(8), ...identity, pid: process.pid });
    } catch {
      throw new ConnectionError(
        `Context ${identity.name} cannot answer discovery: its name, workgroup and host must each have at most ` +
          `${MAX_TEXT_BYTES} UTF-8 bytes. Choose shorter ones, or set discovery.enabled to false`,
      );
    }
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

  #onMessage(data: Buffer, address: string, port: number): void {
    try {
      const answer = this.#answerTo(data, address, port);
      if (answer) this.#send(answer, address, port);
    } catch (error) {
      // Not expected (decoding and matching do not throw); a packet must never take the context down.
      log.debug(`Discovery packet from ${address}:${port} ignored: ${(error as Error).message}`);
    }
  }

  #send(answer: Buffer, address: string, port: number): void {
    const failed = (error: Error) => log.debug(`Discovery answer to ${address}:${port} failed: ${error.message}`);
    void sendUdp(this.replier, answer, port, address).then((error) => error && failed(error), failed);
  }

  /** The answer to send back for `data`, or undefined. */
  #answerTo(data: Buffer, address: string, port: number): Buffer | undefined {
    if (this.#closed) return undefined;
    const packet = decodePacket(data);
    if (packet?.type !== "query") {
      log.debug(`Ignored a ${data.length}-byte packet from ${address}:${port} that is not a discovery query`);
      return undefined;
    }
    if (this.scope.kind === "loopback" && !address.startsWith("127.")) return undefined;
    if (port < FIRST_UNPRIVILEGED_PORT) {
      log.debug(`Ignored a discovery query from the privileged port ${address}:${port}`);
      return undefined;
    }
    const { name, workgroup, host, port: tcpPort } = this.identity;
    if (!matchesWildcard(packet.workgroup, workgroup) || !matchesWildcard(packet.contextName, name)) return undefined;
    if (!this.#limiter.allow(address)) {
      if (this.#dropped++ === 0) log.debug(`Discovery answers are over the rate limit (last query from ${address}:${port}); dropping them`);
      return undefined;
    }
    if (this.#dropped > 0) {
      log.debug(`Dropped ${this.#dropped} discovery answers over the rate limit`);
      this.#dropped = 0;
    }
    return encodePacket({ type: "answer", requestId: packet.requestId, name, workgroup, host, port: tcpPort, pid: process.pid });
  }
}
