/**
 * The server streams of one peer connection (signal subscriptions, task watches): opened, accepted within a
 * bounded time, and ended with a `SubscriptionEndedError` when the peer ends them or the connection closes.
 *
 * @module
 */
import type { ServiceError } from "@grpc/grpc-js";
import type { WireMessage } from "../protocol/codec.ts";
import { SubscriptionEndedError, type QmiError } from "../protocol/errors.ts";
import { fromStatus } from "../protocol/status-mapping.ts";
import { methodOf, type PeerLink, type PeerStreamCall } from "./peer-link.ts";

/** The server streams opened on one connection. */
export class ServerStreams {
  /** What ends each stream open or being opened (see {@link endAll}). */
  readonly #open = new Set<() => void>();

  constructor(private readonly link: PeerLink) {}

  /**
   * Opens a server stream. Resolves with its cancel function once the server has accepted it (sent its
   * headers); rejects with the peer's error class when it refuses (e.g. an unknown object or signal).
   */
  open(call: PeerStreamCall): Promise<() => void> {
    const link = this.link;
    const where = `${call.what} on ${link.where}`;
    if (link.closed) return Promise.reject(link.closedError(where, SubscriptionEndedError));
    const definition = methodOf(call);
    const stream = link.client.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      call.request,
      link.metadata(call.object),
      { deadline: Infinity },
    );
    let accepted = false;
    let cancelled = false;
    let finished = false;
    /** Ends the stream because the connection closes: reported like an end by the peer, then cancelled. */
    let onClose!: () => void;
    const cancel = () => {
      cancelled = true;
      this.#open.delete(onClose);
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
        this.#open.delete(onClose);
        clearTimeout(timer);
        if (!accepted) reject(error);
        else if (!cancelled) call.onEnd(error);
      };
      onClose = () => {
        finish(link.closedError(where, SubscriptionEndedError));
        stream.cancel();
      };
      this.#open.add(onClose);
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

  /** Ends every stream: each subscription ends with the link's closed error. */
  endAll(): void {
    for (const end of [...this.#open]) end();
  }
}
