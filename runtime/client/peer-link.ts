/**
 * What the calls of one peer connection share with it (`peer-connection.ts`): the grpc-js client, the metadata
 * every call carries, and whether the connection was closed; and the records of a unary call and a server stream.
 *
 * @module
 */
import type { Client, Metadata } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type { CallRecord } from "../protocol/call-record.ts";
import type { WireMessage } from "../protocol/codec.ts";
import type { QmiError } from "../protocol/errors.ts";
import { loadCallService } from "../protocol/proto-files.ts";

/** One call to make on a peer, as a unary RPC or on the call channel. */
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

/** A way calls to a peer travel: unary gRPC calls (`unary-calls.ts`) or the call channel (`channel-calls.ts`). */
export interface WirePath {
  /** Makes one call; resolves with the answer, rejects with the error class the peer raised. */
  call(call: PeerCall): Promise<WireMessage>;
}

/** A peer connection, as its unary calls and server streams see it. */
export interface PeerLink {
  readonly client: Client;
  /** `<peer name> at <address>`, for errors. */
  readonly where: string;
  /** True once the connection was closed: calls and streams are refused with {@link closedError}. */
  readonly closed: boolean;
  /** The metadata every call carries: the owning context's name, and the target object when given. */
  metadata(object: string | undefined): Metadata;
  /** The error of a call or stream ended (or refused) because the connection was closed. */
  closedError(what: string, ErrorClass?: new (message: string) => QmiError): QmiError;
}

/** The definition of the RPC a call names (see `loadCallService`). */
export function methodOf(call: { protoFile: string; protoService: string; rpcName: string }): MethodDefinition<WireMessage, WireMessage> {
  return loadCallService(call.protoFile, call.protoService)[call.rpcName] as MethodDefinition<WireMessage, WireMessage>;
}
