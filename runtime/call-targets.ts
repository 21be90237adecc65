/**
 * The two places a proxy's calls can go: the context's own dispatcher (same process: no serialisation, same
 * semantics) or a peer context over gRPC.
 *
 * @module
 */
import type { CallOptions } from "./call-options.ts";
import { decodeResponse, encodeRequest } from "./codec.ts";
import { deadlineOf } from "./deadline.ts";
import type { DispatchRequest } from "./dispatcher.ts";
import { UnknownNameError } from "./errors.ts";
import type { PeerConnection } from "./peer-connection.ts";
import type { CallTarget } from "./proxy.ts";
import type { ServiceDescriptor } from "./service-descriptor.ts";

/** Calls an object of the caller's own context. */
export class LocalTarget implements CallTarget {
  constructor(
    private readonly dispatch: (request: DispatchRequest) => Promise<unknown>,
    private readonly object: string,
    private readonly callerContext: string,
  ) {}

  call(method: string, args: readonly unknown[], options: CallOptions): Promise<unknown> {
    return this.dispatch({
      object: this.object,
      method,
      args,
      deadline: deadlineOf(options),
      signal: options.signal,
      validateArgs: true,
      callerContext: this.callerContext,
    });
  }
}

/** Calls an object of a peer context through its generated service. */
export class RemoteTarget implements CallTarget {
  constructor(
    private readonly peer: PeerConnection,
    private readonly object: string,
    private readonly descriptor: ServiceDescriptor,
  ) {}

  async call(method: string, args: readonly unknown[], options: CallOptions): Promise<unknown> {
    const what = `${this.peer.name}.${this.object}.${method}()`;
    const descriptor = this.descriptor;
    const methodDescriptor = descriptor.methods.find((m) => m.name === method);
    if (!methodDescriptor) throw new UnknownNameError(`${what}: ${descriptor.className} has no RPC method ${method}`);
    const request = encodeRequest(descriptor, methodDescriptor, args);
    const response = await this.peer.unary({
      protoFile: descriptor.protoFile,
      protoService: descriptor.protoService,
      rpcName: methodDescriptor.rpcName,
      request,
      object: this.object,
      deadline: deadlineOf(options),
      signal: options.signal,
      what,
    });
    return decodeResponse(descriptor, methodDescriptor, response);
  }
}
