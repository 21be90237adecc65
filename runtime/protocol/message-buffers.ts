/**
 * The memory of large messages, reused from one message to the next: requests and responses on their way out, and
 * answers being assembled from their parts.
 *
 * - **Out**: a request or response of 1 MiB to 16 MiB (a trace of 1.3·10^5 to 2·10^6 doubles) is written into a
 *   buffer that the call channel gives back once the transport has written it (`ChannelClient`,
 *   `channel-service.ts`), and the next such message is written into it again.
 * - **In**: a client assembles an answer of that size from its parts in such a buffer, then copies the whole into
 *   new memory of its own for the caller and gives the buffer back (`PartAssembler`).
 *
 * Otherwise each message left a buffer of its size behind, and V8 counts such buffers against the heap's limit
 * until its next full collection: with the other buffers of a round trip, a process echoing 8 MB ran one nearly
 * every round trip (bench/README.md, "Why the client collected on nearly every round trip").
 *
 * Only buffers taken here are taken back ({@link giveBackMessageBuffer} ignores any other), and only by the code
 * that wrote the message and knows that nothing else holds it; a message that goes elsewhere (the unary path, whose
 * transport is grpc-js's) is simply never given back. At most one buffer waits here, and it is let go after 10 s
 * unused, so that a process that once moved traces does not keep their memory.
 *
 * @module
 */
import type { Writer } from "protobufjs";

/** Messages from this size on are kept in reused memory. */
export const MESSAGE_BUFFER_MIN_BYTES = 1024 * 1024;
/** Messages up to this size are kept in reused memory (larger ones are rare, and costly to keep). */
export const MESSAGE_BUFFER_MAX_BYTES = 16 * 1024 * 1024;
/** A buffer waiting longer than this is let go. */
const IDLE_MS = 10_000;

/** The memory this module handed out and has not been given back, by its `ArrayBuffer`. */
const issued = new WeakSet<ArrayBufferLike>();
/** The buffer waiting to be reused, if any. */
let waiting: Buffer | undefined;
let idleTimer: NodeJS.Timeout | undefined;

/**
 * `w.finish()`, into reused memory when the message is of {@link MESSAGE_BUFFER_MIN_BYTES} to
 * {@link MESSAGE_BUFFER_MAX_BYTES} (see the module documentation): give it back with {@link giveBackMessageBuffer}
 * once it is written, or drop it.
 */
export function finishForSending(w: Writer): Buffer {
  const buffer = takeMessageBuffer(w.len);
  if (!buffer) return w.finish() as Buffer;
  // protobufjs's finish() writes into what its writer class's alloc() returns: that is this buffer, for this call.
  const writerClass = w.constructor as unknown as { alloc(size: number): Uint8Array };
  const alloc = writerClass.alloc;
  writerClass.alloc = () => buffer;
  try {
    return w.finish() as Buffer;
  } finally {
    writerClass.alloc = alloc;
  }
}

/**
 * `length` bytes of reused memory (not zeroed) when `length` is of {@link MESSAGE_BUFFER_MIN_BYTES} to
 * {@link MESSAGE_BUFFER_MAX_BYTES}, otherwise undefined: the waiting buffer when it is large enough and not more
 * than twice as large, else new memory. Give it back with {@link giveBackMessageBuffer}, or drop it.
 */
export function takeMessageBuffer(length: number): Buffer | undefined {
  if (!(length >= MESSAGE_BUFFER_MIN_BYTES && length <= MESSAGE_BUFFER_MAX_BYTES)) return undefined;
  const reused = waiting && waiting.length >= length && waiting.length <= 2 * length ? waiting : undefined;
  if (reused) waiting = undefined;
  const memory = reused ?? Buffer.allocUnsafeSlow(length);
  issued.add(memory.buffer);
  return memory.subarray(0, length);
}

/**
 * Takes back memory handed out by {@link takeMessageBuffer} or {@link finishForSending} once nothing reads or keeps
 * it any more (a message written out, an answer copied out): it is then reused. Any other buffer is ignored.
 */
export function giveBackMessageBuffer(message: Uint8Array): void {
  const memory = message.buffer;
  if (!issued.has(memory)) return;
  issued.delete(memory);
  if (waiting && waiting.length >= memory.byteLength) return; // the larger one stays
  waiting = Buffer.from(memory);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(letGo, IDLE_MS);
  idleTimer.unref();
}

function letGo(): void {
  waiting = undefined;
  idleTimer = undefined;
}
