/**
 * The call seam: every proxy calls through a {@link CallTarget} (call, lock operation, subscribe), carrying the
 * call record (`protocol/call-record.ts`) to a `dispatch()`. {@link LocalTarget} dispatches in the same process (no
 * serialisation, same semantics); {@link RemoteTarget} encodes the call for a peer's generated service or a core
 * service and sends it on the peer connection's wire path (`peer-link.ts`: the call channel, or unary calls), where
 * the peer's handlers decode it and dispatch it.
 *
 * @module
 */
import type { CallOptions } from "../protocol/call-options.ts";
import { decodeResponse, encodeRequest, type EncodedMessage } from "../protocol/codec.ts";
import { deadlineOf } from "../protocol/deadline.ts";
import type { DispatchRequest, LockDispatchRequest, LockOperation } from "../host/dispatcher.ts";
import { UnknownNameError } from "../protocol/errors.ts";
import type { PeerConnection } from "./peer-connection.ts";
import type { ObjectRegistry } from "../host/object-registry.ts";
import type { CallTarget } from "./proxy.ts";
import type { ServiceDescriptor } from "../protocol/service-descriptor.ts";
import type { SignalSink } from "../signals/signal-receiver.ts";
import { subscribeRemote } from "./remote-subscription.ts";
import { type Subscription, subscribeLocal } from "../signals/signal-subscription.ts";
import { CORE_TASK_METHODS } from "../tasks/task-runner.ts";
import { LOCK_PROTO, LOCK_SERVICE, TASK_PROTO, TASK_SERVICE } from "../protocol/core-services.ts";

/** Calls an object of the caller's own context. */
export class LocalTarget implements CallTarget {
  constructor(
    private readonly context: {
      dispatch(request: DispatchRequest): Promise<unknown>;
      dispatchLock(request: LockDispatchRequest): Promise<boolean>;
      readonly objects: ObjectRegistry;
    },
    private readonly object: string,
    private readonly callerContext: string,
  ) {}

  async subscribe(signalName: string, sink: SignalSink<never>): Promise<Subscription> {
    return subscribeLocal(this.context.objects.getOrThrow(this.object), this.callerContext, signalName, sink);
  }

  call(method: string, args: readonly unknown[], options: CallOptions, lockToken: string): Promise<unknown> {
    return this.context.dispatch({
      object: this.object,
      method,
      args,
      deadline: deadlineOf(options),
      signal: options.signal,
      validateArgs: true,
      callerContext: this.callerContext,
      lockToken,
    });
  }

  lockOperation(operation: LockOperation, options: CallOptions, lockToken: string): Promise<boolean> {
    return this.context.dispatchLock({
      object: this.object,
      operation,
      deadline: deadlineOf(options),
      signal: options.signal,
      callerContext: this.callerContext,
      lockToken,
    });
  }
}

/** The `qmi.core.Lock` RPC and its boolean answer field, per lock operation. */
const lockRpcs: Record<LockOperation["kind"], { name: string; field: string }> = {
  lock: { name: "Lock", field: "granted" },
  unlock: { name: "Unlock", field: "released" },
  forceUnlock: { name: "ForceUnlock", field: "was_locked" },
  isLocked: { name: "IsLocked", field: "locked" },
};

/** Calls an object of a peer context through its generated service. */
export class RemoteTarget implements CallTarget {
  constructor(
    private readonly peer: PeerConnection,
    private readonly object: string,
    private readonly descriptor: ServiceDescriptor,
  ) {}

  async call(method: string, args: readonly unknown[], options: CallOptions, lockToken: string): Promise<unknown> {
    const what = `${this.peer.name}.${this.object}.${method}()`;
    const descriptor = this.descriptor;
    const methodDescriptor = descriptor.methods.find((m) => m.name === method);
    if (!methodDescriptor && CORE_TASK_METHODS.includes(method)) return this.#coreTaskCall(method, options, lockToken, what);
    if (!methodDescriptor) throw new UnknownNameError(`${what}: ${descriptor.className} has no RPC method ${method}`);
    // The request inline, not in a variable: this async frame stays suspended until the answer, and must not keep
    // the request's bytes (up to 256 MiB) alive meanwhile.
    const response = await this.peer.call({
      protoFile: descriptor.protoFile,
      protoService: descriptor.protoService,
      rpcName: methodDescriptor.rpcName,
      request: { bytes: encodeRequest(descriptor, methodDescriptor, args) },
      object: this.object,
      deadline: deadlineOf(options),
      signal: options.signal,
      lockToken,
      what,
    });
    return decodeResponse(descriptor, methodDescriptor, (response as EncodedMessage).bytes);
  }

  /** `start`, `stop`, `join`, `isRunning`, `getStatus` of a task runner, through `qmi.core.Task` (on the call path). */
  async #coreTaskCall(method: string, options: CallOptions, lockToken: string, what: string): Promise<unknown> {
    const response = await this.peer.call({
      protoFile: TASK_PROTO,
      protoService: TASK_SERVICE,
      rpcName: method[0]!.toUpperCase() + method.slice(1),
      request: {},
      object: this.object,
      deadline: deadlineOf(options),
      signal: options.signal,
      lockToken,
      what,
    });
    if (method === "isRunning") return response.value === true;
    if (method === "getStatus") return JSON.parse(String(response.status_json || "{}")) as unknown;
    return undefined;
  }

  subscribe(signalName: string, sink: SignalSink<never>): Promise<Subscription> {
    return subscribeRemote(this.peer, this.object, this.descriptor, signalName, sink);
  }

  async lockOperation(operation: LockOperation, options: CallOptions, lockToken: string): Promise<boolean> {
    const rpc = lockRpcs[operation.kind];
    const leaseId = operation.kind === "lock" && operation.lease ? await this.peer.leaseId() : undefined;
    const response = await this.peer.call({
      protoFile: LOCK_PROTO,
      protoService: LOCK_SERVICE,
      rpcName: rpc.name,
      request: operation.kind === "lock" ? { timeout_seconds: operation.timeout } : operation.kind === "unlock" ? { context_name: operation.contextName ?? "" } : {},
      object: this.object,
      deadline: deadlineOf(options),
      signal: options.signal,
      lockToken,
      leaseId,
      what: `${this.peer.name}.${this.object}.${operation.kind}()`,
    });
    return response[rpc.field] === true;
  }
}
