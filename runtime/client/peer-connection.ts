/**
 * A connection to another context: one gRPC channel to its server, and what is opened on it: the call channel
 * (`channel-client.ts`), unary calls (`unary-calls.ts`), server streams (`server-streams.ts`) and the lock lease.
 * {@link PeerConnection.call} chooses the path of each call.
 *
 * {@link PeerConnection.close} (what `stop()` and `disconnectFromPeer()` do) ends everything the connection
 * opened, so that nothing of it keeps the process alive: the call channel and its socket, the lease stream, every
 * server stream (a subscription or a task watch ends with a `SubscriptionEndedError` saying the connection was
 * closed), and the unary calls still waiting for their answer (a `ConnectionError`). Calls made after it fail at
 * once with a `ConnectionError`.
 *
 * @module
 */
import { Client, Metadata, type ClientOptions, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { AUTH_TOKEN_METADATA } from "../protocol/auth-token.ts";
import { ConnectionError, type QmiError } from "../protocol/errors.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { MAX_MESSAGE_HEADER } from "../protocol/channel-batch.ts";
import { fromStatus } from "../protocol/status-mapping.ts";
import { CONTEXT_METADATA, OBJECT_METADATA } from "../protocol/metadata-keys.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE, LOCK_PROTO, LOCK_SERVICE } from "../protocol/core-services.ts";
import { tlsFailureHint } from "../config/tls-problems.ts";
import { INSECURE, channelCredentials, securityClientOptions, type SecuritySettings } from "../config/security-settings.ts";
import { ChannelClient, defaultCallPath, type CallPath } from "./channel-client.ts";
import { ChannelCalls } from "./channel-calls.ts";
import { methodOf, type PeerCall, type PeerLink, type PeerStreamCall, type WirePath } from "./peer-link.ts";
import { ServerStreams } from "./server-streams.ts";
import { UnaryCalls } from "./unary-calls.ts";

/**
 * Channel options: no channelz bookkeeping, no reconnect back-off longer than a few seconds in a lab, and a 1 MiB
 * HTTP/2 receive window (with the 64 KiB default, a burst of signal batches waited for window updates and the
 * publisher dropped events: 1 subscriber 41k–338k events/s, against ≈ 340k/s with 0 dropped at 1 MiB).
 */
const channelOptions = {
  "grpc.enable_channelz": 0,
  "grpc-node.flow_control_window": 1024 * 1024,
  "grpc.max_reconnect_backoff_ms": 5000,
  "grpc.initial_reconnect_backoff_ms": 200,
};

/** The wire form of `qmi.core.DescribeResponse`. */
export interface DescribeAnswer {
  name: string;
  version: string;
  workgroup: string;
  pid: number;
  objects: {
    name: string;
    kind: string;
    class_name: string;
    proto_service: string;
    doc: string;
    methods: { name: string; rpc_name: string; signature: string; doc: string }[];
    signals: { name: string; rpc_name: string; doc: string }[];
    constants: { name: string; type: string; value_json: string; doc: string }[];
    /** Whether the object is locked (false from a peer too old to say). */
    locked: boolean;
    /** The context holding the lock; "" when unlocked, unnamed, or from a peer too old to say. Never the token. */
    locked_by: string;
  }[];
}

/** The wire form of `qmi.core.PingResponse`. */
export interface PingAnswer {
  name: string;
  pid: number;
  version: string;
  /** Seconds since the peer started. */
  uptime_seconds: number;
}

/** A gRPC connection to the context named {@link name} at {@link address}. */
export class PeerConnection {
  readonly #client: Client;
  /** The open lease stream and its id, once a leased lock was asked for. */
  #lease: { readonly stream: ClientReadableStream<WireMessage>; readonly id: Promise<string> } | undefined;
  /** The `qmi.core.Channel` stream calls to objects take, unless the path is `unary`. */
  readonly #channel: ChannelClient | undefined;
  /** The largest message this connection accepts (the owning context's `security.max_message_bytes`). */
  readonly maxMessageBytes: number;
  /** Whether this connection speaks TLS (for the hints of a failed connect). */
  readonly #usesTls: boolean;
  /** The server streams opened on this connection. */
  readonly #streams: ServerStreams;
  /** The unary calls made on this connection. */
  readonly #unaryCalls: UnaryCalls;
  /** How calls to the peer's objects travel: {@link #unaryCalls}, or the call channel falling back to them. */
  readonly #path: WirePath;
  /** Set by {@link close}. */
  #closed = false;

  constructor(
    /** The peer context's name. */
    readonly name: string,
    /** `host:port` of the peer's server. */
    readonly address: string,
    /** The name of the context that owns this connection (sent as `qmi-context`). */
    private readonly ownContext: string,
    /** TLS, token and message limit of the owning context; every call and stream on the channel uses them. */
    security: SecuritySettings = INSECURE,
    /** How calls to the peer's objects travel (see {@link PeerConnection.call}); default `QMI_CALL_PATH`, else `channel`. */
    readonly callPath: CallPath = defaultCallPath(),
  ) {
    this.maxMessageBytes = security.maxMessageBytes;
    this.#usesTls = security.tls !== undefined;
    const options: ClientOptions = { ...channelOptions, ...securityClientOptions(security) };
    this.#client = new Client(address, channelCredentials(security), options);
    const link = this.#link();
    this.#unaryCalls = new UnaryCalls(link);
    this.#streams = new ServerStreams(link);
    if (callPath === "channel") {
      const metadata: Record<string, string> = { [CONTEXT_METADATA]: ownContext, [MAX_MESSAGE_HEADER]: String(security.maxMessageBytes) };
      if (security.token !== undefined) metadata[AUTH_TOKEN_METADATA] = security.token;
      this.#channel = new ChannelClient(address, metadata, security, `${name} at ${address}`);
      this.#path = new ChannelCalls(this.#channel, this.#unaryCalls);
    } else {
      this.#path = this.#unaryCalls;
    }
  }

  /** This connection as its unary calls and server streams see it. */
  #link(): PeerLink {
    const connection = this;
    return {
      client: this.#client,
      where: `${this.name} at ${this.address}`,
      get closed() {
        return connection.#closed;
      },
      metadata: (object) => this.#metadata(object),
      closedError: (what, ErrorClass) => this.#closedError(what, ErrorClass),
    };
  }

  /** The metadata every call carries: this context's name and the target object. */
  #metadata(object: string | undefined): Metadata {
    const metadata = new Metadata();
    metadata.set(CONTEXT_METADATA, this.ownContext);
    if (object !== undefined) metadata.set(OBJECT_METADATA, object);
    return metadata;
  }

  /**
   * Makes one call to an object of the peer (its generated service or a core service): on the call channel when
   * the path is `channel`, the peer serves it and the request is small, else as a unary RPC. Both reach the same
   * handler on the peer; rejects with the error class the peer raised.
   */
  call(call: PeerCall): Promise<WireMessage> {
    return this.#path.call(call);
  }

  /** How many calls this connection sent on the call channel (the others took the unary path). */
  get channelCalls(): number {
    return this.#path instanceof ChannelCalls ? this.#path.sent : 0;
  }

  /** Makes one unary call; rejects with the error class the peer raised. */
  unary(call: PeerCall): Promise<WireMessage> {
    return this.#unaryCalls.call(call);
  }

  /**
   * Opens a server stream. Resolves with its cancel function once the server has accepted it (sent its
   * headers); rejects with the peer's error class when it refuses (e.g. an unknown object or signal).
   */
  serverStream(call: PeerStreamCall): Promise<() => void> {
    return this.#streams.open(call);
  }

  /**
   * The peer's `Describe` answer: the first call on a new connection, so a connection that fails in its TLS
   * handshake fails here, with the likely cause and the `security.tls` key to fix (`tls-problems.ts`).
   */
  async describe(deadline: number): Promise<DescribeAnswer> {
    try {
      const answer = await this.unary({
        protoFile: CONTEXT_PROTO,
        protoService: CONTEXT_SERVICE,
        rpcName: "Describe",
        request: {},
        deadline,
        what: "Describe",
      });
      return answer as unknown as DescribeAnswer;
    } catch (error) {
      const hint = error instanceof ConnectionError ? tlsFailureHint(error.message, this.#usesTls) : undefined;
      if (hint === undefined) throw error;
      const detail = (error as Error).message.replace(/\s*Resolution note:\s*$/, "");
      throw new ConnectionError(`Cannot connect to ${this.name} at ${this.address}: ${hint}. (${detail})`, { cause: error });
    }
  }

  /** The peer's `qmi.core.Context/Ping` answer: its name, pid, version and uptime. */
  async ping(deadline: number): Promise<PingAnswer> {
    const answer = await this.unary({
      protoFile: CONTEXT_PROTO,
      protoService: CONTEXT_SERVICE,
      rpcName: "Ping",
      request: {},
      deadline,
      what: "Ping",
    });
    return answer as unknown as PingAnswer;
  }

  /** Asks the peer's program to stop gracefully (`qmi.core.Context/Shutdown`). */
  async requestShutdown(reason: string, deadline: number): Promise<void> {
    await this.unary({
      protoFile: CONTEXT_PROTO,
      protoService: CONTEXT_SERVICE,
      rpcName: "Shutdown",
      request: { reason },
      deadline,
      what: "Shutdown",
    });
  }

  /**
   * The id of this connection's lock lease, opening the `qmi.core.Lock/Lease` stream on first use. Locks taken
   * under it are released by the peer when the stream ends: on {@link close}, or when this process dies.
   */
  leaseId(timeoutSeconds = 5): Promise<string> {
    if (this.#lease) return this.#lease.id;
    if (this.#closed) return Promise.reject(this.#closedError("Lease"));
    const definition = methodOf({ protoFile: LOCK_PROTO, protoService: LOCK_SERVICE, rpcName: "Lease" });
    const stream = this.#client.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      {},
      this.#metadata(undefined),
    );
    const forget = () => {
      if (this.#lease?.stream === stream) this.#lease = undefined;
    };
    const id = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.cancel();
        reject(new ConnectionError(`${this.name} at ${this.address} did not open a lock lease within ${timeoutSeconds} s`));
      }, timeoutSeconds * 1000);
      stream.once("data", (event: WireMessage) => {
        clearTimeout(timer);
        resolve(String(event.lease_id));
      });
      stream.on("error", (error: ServiceError) => {
        clearTimeout(timer);
        forget();
        reject(this.#closed ? this.#closedError("Lease") : fromStatus(error, `Lease on ${this.name} at ${this.address}`));
      });
      stream.on("end", forget);
    });
    id.catch(() => undefined); // a failure is reported to the caller awaiting the id
    this.#lease = { stream, id };
    return id;
  }

  /**
   * Closes the connection and ends everything it opened: the call channel, the lease (the peer releases its
   * locks), every server stream (its subscription ends with a `SubscriptionEndedError`) and the unary calls in
   * flight (a `ConnectionError`). Nothing of it keeps the process alive afterwards. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel?.close();
    this.#lease?.stream.cancel();
    this.#lease = undefined;
    this.#streams.endAll();
    this.#unaryCalls.cancelAll(); // each rejects with #closedError
    this.#client.close();
  }

  /** The error of a call or stream ended (or refused) because this connection was closed. */
  #closedError(what: string, ErrorClass: new (message: string) => QmiError = ConnectionError): QmiError {
    return new ErrorClass(
      `${what}: ${this.ownContext} closed its connection to ${this.name} at ${this.address} (stop() or disconnectFromPeer()); ` +
        `connect again with connectToPeer("${this.name}")`,
    );
  }
}
