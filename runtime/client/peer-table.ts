/**
 * The peer contexts a context is connected to, by name: connecting (checking the name answering at the address),
 * disconnecting, and lookups.
 *
 * @module
 */
import type { CallPath } from "./channel-client.ts";
import { UnknownNameError, UsageError } from "../protocol/errors.ts";
import { getLogger } from "../logging/log.ts";
import { PeerConnection } from "./peer-connection.ts";
import type { SecuritySettings } from "../config/security-settings.ts";

const log = getLogger("qmi.core.context");

/** Options of {@link PeerTable.connect} (and `Context.connectToPeer`). */
export interface ConnectOptions {
  /** `host:port` of the peer; default from the configuration's `contexts.<name>`. */
  readonly address?: string;
  /** When true, connecting to an already connected peer is not an error. */
  readonly ignoreDuplicate?: boolean;
  /** Seconds to wait for the peer to answer; default 5. */
  readonly timeout?: number;
  /**
   * How calls to the peer's objects travel: `channel` (multiplexed on one `qmi.core.Channel` stream, falling back
   * to unary when the peer lacks it) or `unary` (one gRPC call each). Default: `QMI_CALL_PATH`, else `channel`.
   */
  readonly callPath?: CallPath;
}

/** The connections of one context to its peers. */
export class PeerTable {
  readonly #peers = new Map<string, PeerConnection>();

  constructor(
    /** The owning context's name. */
    private readonly ownName: string,
    private readonly security: SecuritySettings,
    /** The configured address of a context, or an error saying how to give one. */
    private readonly configuredAddress: (name: string) => string,
  ) {}

  /**
   * Connects to the peer `name`, at `options.address` or its configured address. Fails when the context
   * answering there has another name, or when already connected (unless `ignoreDuplicate`).
   */
  async connect(name: string, options: ConnectOptions = {}): Promise<void> {
    if (this.#peers.has(name)) {
      if (options.ignoreDuplicate) return;
      throw new UsageError(`Context ${this.ownName} is already connected to ${name}`);
    }
    const address = options.address ?? this.configuredAddress(name);
    const peer = new PeerConnection(name, address, this.ownName, this.security, options.callPath);
    try {
      const answer = await peer.describe(Date.now() + (options.timeout ?? 5) * 1000);
      if (answer.name !== name) {
        throw new UnknownNameError(`The context at ${address} is named ${answer.name}, not ${name}`);
      }
    } catch (error) {
      peer.close();
      throw error;
    }
    this.#peers.set(name, peer);
    log.info(`Context ${this.ownName} connected to peer ${name} at ${address}`);
  }

  /** Closes the connection to `name`; its proxies fail from then on. */
  disconnect(name: string): void {
    this.getOrThrow(name).close();
    this.#peers.delete(name);
  }

  /** The connection to `name`, or undefined. */
  get(name: string): PeerConnection | undefined {
    return this.#peers.get(name);
  }

  /** The connection to `name`, or an {@link UnknownNameError}. */
  getOrThrow(name: string): PeerConnection {
    const peer = this.#peers.get(name);
    if (!peer) throw new UnknownNameError(`Context ${this.ownName} is not connected to ${name}`);
    return peer;
  }

  /** Names and addresses of the connected peers. */
  list(): { name: string; address: string }[] {
    return [...this.#peers.values()].map((p) => ({ name: p.name, address: p.address }));
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }
}
