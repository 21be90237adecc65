/**
 * The unary gRPC calls of one peer connection: each sends the call record as metadata (`qmi-object`,
 * `qmi-context`, `qmi-lock-token`, `qmi-lease`, and the absolute deadline for a server on this host), maps a
 * failure to the error class the peer raised, and ends with a `ConnectionError` when the connection closes.
 *
 * @module
 */
import type { ClientUnaryCall, ServiceError } from "@grpc/grpc-js";
import { DEADLINE_METADATA } from "../protocol/caller-clock.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { CancelledError } from "../protocol/errors.ts";
import { LEASE_METADATA, LOCK_TOKEN_METADATA } from "../protocol/metadata-keys.ts";
import { fromStatus } from "../protocol/status-mapping.ts";
import { methodOf, type PeerCall, type PeerLink, type WirePath } from "./peer-link.ts";

/** The unary calls made on one connection. */
export class UnaryCalls implements WirePath {
  /** The calls waiting for their answer (see {@link cancelAll}). */
  readonly #pending = new Set<ClientUnaryCall>();

  constructor(private readonly link: PeerLink) {}

  /** Makes one unary call; rejects with the error class the peer raised. */
  call(call: PeerCall): Promise<WireMessage> {
    const link = this.link;
    const definition = methodOf(call);
    const metadata = link.metadata(call.object);
    if (call.lockToken !== undefined) metadata.set(LOCK_TOKEN_METADATA, call.lockToken);
    if (call.leaseId !== undefined) metadata.set(LEASE_METADATA, call.leaseId);
    // The absolute deadline too: a server on this host refuses the call if it reads it after the deadline.
    if (call.deadline !== Infinity) metadata.set(DEADLINE_METADATA, String(call.deadline));
    return new Promise<WireMessage>((resolve, reject) => {
      if (link.closed) return reject(link.closedError(call.what));
      if (call.signal?.aborted) return reject(new CancelledError(`${call.what} was cancelled`));
      // Made only for a call with a signal (under tsx, each named closure costs an Object.defineProperty).
      let onAbort: (() => void) | undefined;
      const pending: ClientUnaryCall = link.client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        call.request,
        metadata,
        { deadline: call.deadline },
        (error: ServiceError | null, response?: WireMessage) => {
          this.#pending.delete(pending);
          if (onAbort) call.signal?.removeEventListener("abort", onAbort);
          if (error) reject(link.closed ? link.closedError(call.what) : fromStatus(error, `${call.what} on ${link.where}`));
          else resolve(response ?? {});
        },
      );
      this.#pending.add(pending);
      if (call.signal) {
        onAbort = () => pending.cancel();
        call.signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /** Cancels every call still waiting; each rejects with the link's closed error. */
  cancelAll(): void {
    for (const call of [...this.#pending]) call.cancel();
    this.#pending.clear();
  }
}
