/**
 * The bounds of the `qmi.core.Channel` stream, so that one client (or one message) cannot make a context build
 * unbounded work or answers: a batch holds at most {@link CHANNEL_MAX_BATCH_CALLS} calls, a stream has at most
 * {@link CHANNEL_MAX_CALLS_IN_FLIGHT} calls started and not answered, all streams of a context together at most
 * {@link CHANNEL_MAX_CONTEXT_CALLS}, and a stream whose answers the client does not read stops reading its calls
 * once {@link CHANNEL_MAX_UNSENT_ANSWER_BYTES} wait to be sent (HTTP/2 flow control then holds the client back).
 *
 * The server announces its per-stream limit in the header {@link MAX_CALLS_HEADER}; a qmi-ts client keeps the
 * calls beyond it queued on its side, so only a client that ignores the header sees `RESOURCE_EXHAUSTED`.
 *
 * @module
 */
import protobuf from "protobufjs";

/** Most calls (and cancellations) in one `ChannelCalls` message; a larger one ends the stream with `RESOURCE_EXHAUSTED`. */
export const CHANNEL_MAX_BATCH_CALLS = 1024;

/** Most calls started and not yet answered on one stream; the excess is answered `RESOURCE_EXHAUSTED`, not run. */
export const CHANNEL_MAX_CALLS_IN_FLIGHT = 1024;

/** Most calls started and not yet answered on all channel streams of one context together. */
export const CHANNEL_MAX_CONTEXT_CALLS = 8192;

/** Answer bytes waiting to be sent on one stream past which the server stops reading that stream's calls. */
export const CHANNEL_MAX_UNSENT_ANSWER_BYTES = 8 * 1024 * 1024;

/** Response header with which the server announces {@link CHANNEL_MAX_CALLS_IN_FLIGHT} to the client. */
export const MAX_CALLS_HEADER = "qmi-max-calls-in-flight";

/**
 * The number of calls in a serialized `ChannelCalls` message (field 1), counting no further than `limit + 1`:
 * read before the message is decoded, so that a message of millions of tiny calls is refused without building
 * them. Malformed input ends the count; decoding reports it.
 */
export function countBatchCalls(bytes: Uint8Array, limit: number): number {
  const reader = protobuf.Reader.create(bytes);
  let count = 0;
  try {
    while (reader.pos < reader.len && count <= limit) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1) count++;
      reader.skipType(tag & 7);
    }
  } catch {
    // truncated or malformed: decodeCalls() says what is wrong
  }
  return count;
}

/** The per-stream limit a server announced in `value` (a header), or `Infinity` for a server that announced none. */
export function announcedCallLimit(value: unknown): number {
  const limit = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(limit) && limit > 0 ? limit : Infinity;
}

/** Calls in flight on all channel streams of one context: a counter with a ceiling. */
export class ChannelCallBudget {
  #used = 0;

  constructor(readonly limit = CHANNEL_MAX_CONTEXT_CALLS) {}

  /** Takes one call's place; false when the context already has {@link limit} calls in flight. */
  take(): boolean {
    if (this.#used >= this.limit) return false;
    this.#used++;
    return true;
  }

  /** Gives back a place taken by {@link take}. */
  give(): void {
    this.#used--;
  }

  /** Places taken. */
  get used(): number {
    return this.#used;
  }
}
