/**
 * A connection to another context: one gRPC channel to its server, used for its core service and for calls to
 * its objects.
 *
 * @module
 */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { CancelledError } from "./errors.ts";
import type { WireMessage } from "./codec.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE } from "./context-server.ts";
import { CONTEXT_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA } from "./object-service.ts";
import { loadService } from "./proto-files.ts";
import { fromStatus } from "./status-mapping.ts";

/** Channel options: no channelz bookkeeping, and no reconnect back-off longer than a few seconds in a lab. */
const channelOptions = {
  "grpc.enable_channelz": 0,
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
export interface PeerCall {
  readonly protoFile: string;
  readonly protoService: string;
  readonly rpcName: string;
  readonly request: WireMessage;
  /** Target object (`qmi-object`), if any. */
  readonly object?: string;
  /** Absolute deadline, ms since the epoch. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** The caller's lock token (`qmi-lock-token`), if any. */
  readonly lockToken?: string;
  /** Names the call in errors, e.g. `instr_server.nsg.getSample()`. */
  readonly what: string;
}

/** A gRPC connection to the context named {@link name} at {@link address}. */
export class PeerConnection {
  readonly #client: Client;

  constructor(
    /** The peer context's name. */
    readonly name: string,
    /** `host:port` of the peer's server. */
    readonly address: string,
    /** The name of the context that owns this connection (sent as `qmi-context`). */
    private readonly ownContext: string,
  ) {
    this.#client = new Client(address, credentials.createInsecure(), channelOptions);
  }

  /** Makes one unary call; rejects with the error class the peer raised. */
  unary(call: PeerCall): Promise<WireMessage> {
    const definition = loadService(call.protoFile, call.protoService)[call.rpcName] as MethodDefinition<
      WireMessage,
      WireMessage
    >;
    const metadata = new Metadata();
    metadata.set(CONTEXT_METADATA, this.ownContext);
    if (call.object !== undefined) metadata.set(OBJECT_METADATA, call.object);
    if (call.lockToken !== undefined) metadata.set(LOCK_TOKEN_METADATA, call.lockToken);
    return new Promise<WireMessage>((resolve, reject) => {
      if (call.signal?.aborted) return reject(new CancelledError(`${call.what} was cancelled`));
      const pending = this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        call.request,
        metadata,
        { deadline: call.deadline },
        (error: ServiceError | null, response?: WireMessage) => {
          call.signal?.removeEventListener("abort", onAbort);
          if (error) reject(fromStatus(error, `${call.what} on ${this.name} at ${this.address}`));
          else resolve(response ?? {});
        },
      );
      const onAbort = () => pending.cancel();
      call.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The peer's `Describe` answer. */
  async describe(deadline: number): Promise<DescribeAnswer> {
    const answer = await this.unary({
      protoFile: CONTEXT_PROTO,
      protoService: CONTEXT_SERVICE,
      rpcName: "Describe",
      request: {},
      deadline,
      what: "Describe",
    });
    return answer as unknown as DescribeAnswer;
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

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.#client.close();
  }
}
