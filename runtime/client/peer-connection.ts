/**
 * A connection to another context: one gRPC channel to its server, used for its core service and for calls to
 * its objects.
 *
 * {@link PeerConnection.close} (what `stop()` and `disconnectFromPeer()` do) ends everything the connection
 * opened, so that nothing of it keeps the process alive: the call channel and its socket, the lease stream, every
 * server stream (a subscription or a task watch ends with a `SubscriptionEndedError` saying the connection was
 * closed), and the unary calls still waiting for their answer (a `ConnectionError`). Calls made after it fail at
 * once with a `ConnectionError`.
 *
 * @module
 */
import { Client, Metadata, type ClientOptions, type ClientReadableStream, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { AUTH_TOKEN_METADATA } from "../protocol/auth-token.ts";
import { DEADLINE_METADATA } from "../protocol/caller-clock.ts";
import { CancelledError, ConnectionError, SubscriptionEndedError, type QmiError } from "../protocol/errors.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { loadService } from "../protocol/proto-files.ts";
import { MAX_MESSAGE_HEADER } from "../protocol/channel-batch.ts";
import { ChannelClient, defaultCallPath, type CallPath } from "./channel-client.ts";
import { fromStatus } from "../protocol/status-mapping.ts";
import { tlsFailureHint } from "../config/tls-problems.ts";
import { INSECURE, channelCredentials, securityClientOptions, type SecuritySettings } from "../config/security-settings.ts";
import { CONTEXT_METADATA, LEASE_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA } from "../protocol/metadata-keys.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE, LOCK_PROTO, LOCK_SERVICE } from "../protocol/core-services.ts";
import type { CallRecord } from "../protocol/call-record.ts";

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
  }[];
}

/** One unary call to make on a peer. */
export interface PeerCall extends CallRecord<AbortSignal> {
  readonly protoFile: string;
  readonly protoService: string;
  readonly rpcName: string;
  readonly request: WireMessage;
  /** The lease a `qmi.core.Lock/Lock` is tied to (`qmi-lease`), if any. */
  readonly leaseId?: string;
  /** Names the call in errors, e.g. `instr_server.nsg.getSample()`. */
  readonly what: string;
}

/** One server-streaming call to make on a peer (no deadline: it lasts until cancelled or ended). */
export interface PeerStreamCall {
  readonly protoFile: string;
  readonly protoService: string;
  readonly rpcName: string;
  readonly request: WireMessage;
  /** Target object (`qmi-object`), if any. */
  readonly object?: string;
  /** Names the stream in errors. */
  readonly what: string;
  /** Called for each message. */
  readonly onMessage: (message: WireMessage) => void;
  /** Called once when the stream ends by itself (not after `cancel()`): with the error class the peer sent. */
  readonly onEnd: (error: QmiError) => void;
  /** Seconds to wait for the server to accept the stream; default 5. */
  readonly acceptTimeout?: number;
}

/** The loaded definition of the RPC a call names. */
function methodOf(call: { protoFile: string; protoService: string; rpcName: string }): MethodDefinition<WireMessage, WireMessage> {
  return loadService(call.protoFile, call.protoService)[call.rpcName] as MethodDefinition<WireMessage, WireMessage>;
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
  /** What ends each server stream open or being opened (see {@link close}). */
  readonly #streams = new Set<() => void>();
  /** The unary calls waiting for their answer (see {@link close}). */
  readonly #unaryCalls = new Set<ClientUnaryCall>();
  /** Set by {@link close}. */
  #closed = false;
  /** Calls sent on the call channel so far (the rest took the unary path): for diagnostics and tests. */
  #channelCalls = 0;

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
    if (callPath === "channel") {
      const metadata: Record<string, string> = { [CONTEXT_METADATA]: ownContext, [MAX_MESSAGE_HEADER]: String(security.maxMessageBytes) };
      if (security.token !== undefined) metadata[AUTH_TOKEN_METADATA] = security.token;
      this.#channel = new ChannelClient(address, metadata, security, `${name} at ${address}`);
    }
  }

  /** The metadata every call carries: this context's name and the target object. */
  #metadata(call: { readonly object?: string }): Metadata {
    const metadata = new Metadata();
    metadata.set(CONTEXT_METADATA, this.ownContext);
    if (call.object !== undefined) metadata.set(OBJECT_METADATA, call.object);
    return metadata;
  }

  /**
   * Makes one call to an object of the peer (its generated service or `qmi.core.Lock`): on the call channel when
   * the path is `channel`, the peer serves it and the request is small, else as a unary RPC. Both reach the same
   * dispatcher on the peer; rejects with the error class the peer raised.
   */
  async call(call: PeerCall): Promise<WireMessage> {
    const channel = this.#channel;
    if (!channel) return this.unary(call);
    const ready = channel.ready();
    if (ready !== true && !(await ready)) return this.unary(call);
    const definition = methodOf(call);
    const request = definition.requestSerialize(call.request);
    if (request.length > channel.maxRequestBytes) return this.unary(call);
    this.#channelCalls++;
    const response = await channel.call({
      path: definition.path,
      request,
      object: call.object,
      lockToken: call.lockToken,
      leaseId: call.leaseId,
      deadline: call.deadline,
      signal: call.signal,
      what: call.what,
    });
    return definition.responseDeserialize(response);
  }

  /** How many calls this connection sent on the call channel (the others took the unary path). */
  get channelCalls(): number {
    return this.#channelCalls;
  }

  /** Makes one unary call; rejects with the error class the peer raised. */
  unary(call: PeerCall): Promise<WireMessage> {
    const definition = methodOf(call);
    const metadata = this.#metadata(call);
    if (call.lockToken !== undefined) metadata.set(LOCK_TOKEN_METADATA, call.lockToken);
    if (call.leaseId !== undefined) metadata.set(LEASE_METADATA, call.leaseId);
    // The absolute deadline too: a server on this host refuses the call if it reads it after the deadline.
    if (call.deadline !== Infinity) metadata.set(DEADLINE_METADATA, String(call.deadline));
    return new Promise<WireMessage>((resolve, reject) => {
      if (this.#closed) return reject(this.#closedError(call.what));
      if (call.signal?.aborted) return reject(new CancelledError(`${call.what} was cancelled`));
      // Made only for a call with a signal (under tsx, each named closure costs an Object.defineProperty).
      let onAbort: (() => void) | undefined;
      const pending: ClientUnaryCall = this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        call.request,
        metadata,
        { deadline: call.deadline },
        (error: ServiceError | null, response?: WireMessage) => {
          this.#unaryCalls.delete(pending);
          if (onAbort) call.signal?.removeEventListener("abort", onAbort);
          if (error) reject(this.#closed ? this.#closedError(call.what) : fromStatus(error, `${call.what} on ${this.name} at ${this.address}`));
          else resolve(response ?? {});
        },
      );
      this.#unaryCalls.add(pending);
      if (call.signal) {
        onAbort = () => pending.cancel();
        call.signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /**
   * Opens a server stream. Resolves with its cancel function once the server has accepted it (sent its
   * headers); rejects with the peer's error class when it refuses (e.g. an unknown object or signal).
   */
  serverStream(call: PeerStreamCall): Promise<() => void> {
    const where = `${call.what} on ${this.name} at ${this.address}`;
    if (this.#closed) return Promise.reject(this.#closedError(where, SubscriptionEndedError));
    const definition = methodOf(call);
    const metadata = this.#metadata(call);
    const stream = this.#client.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      call.request,
      metadata,
      { deadline: Infinity },
    );
    let accepted = false;
    let cancelled = false;
    let finished = false;
    /** Ends the stream because this connection closes: reported like an end by the peer, then cancelled. */
    let onClose!: () => void;
    const cancel = () => {
      cancelled = true;
      this.#streams.delete(onClose);
      stream.cancel();
    };
    return new Promise<() => void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (accepted) return;
        cancel();
        reject(new SubscriptionEndedError(`${where}: the peer did not accept the stream in time`));
      }, (call.acceptTimeout ?? 5) * 1000);
      const finish = (error: QmiError) => {
        if (finished) return;
        finished = true;
        this.#streams.delete(onClose);
        clearTimeout(timer);
        if (!accepted) reject(error);
        else if (!cancelled) call.onEnd(error);
      };
      onClose = () => {
        finish(this.#closedError(where, SubscriptionEndedError));
        stream.cancel();
      };
      this.#streams.add(onClose);
      stream.on("metadata", () => {
        accepted = true;
        clearTimeout(timer);
        resolve(cancel);
      });
      stream.on("data", (message: WireMessage) => {
        try {
          call.onMessage(message);
        } catch (error) {
          // An event this side cannot read (a hostile or broken peer) ends the stream, not the process.
          finish(new SubscriptionEndedError(`${where}: the peer sent an event that does not decode: ${(error as Error).message}`));
          stream.cancel();
        }
      });
      stream.on("error", (error: ServiceError) => finish(fromStatus(error, where)));
      stream.on("end", () => finish(new SubscriptionEndedError(`${where}: the peer ended the stream`)));
    });
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
      this.#metadata({}),
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
    for (const end of [...this.#streams]) end();
    for (const call of [...this.#unaryCalls]) call.cancel(); // each rejects with #closedError
    this.#unaryCalls.clear();
    this.#client.close();
  }

  /** The error of a call or stream ended (or refused) because this connection was closed. */
  #closedError(what: string, ErrorClass: typeof ConnectionError | typeof SubscriptionEndedError = ConnectionError): QmiError {
    return new ErrorClass(
      `${what}: ${this.ownContext} closed its connection to ${this.name} at ${this.address} (stop() or disconnectFromPeer()); ` +
        `connect again with connectToPeer("${this.name}")`,
    );
  }
}
