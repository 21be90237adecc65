/**
 * Writing many messages at once on a grpc-js server stream.
 *
 * A grpc-js server stream (`ServerWritableStream`, `ServerDuplexStream`) is a Node `Writable` that hands grpc-js
 * one message at a time and waits until HTTP/2 has flushed it before taking the next: about one message per
 * event-loop turn per stream (profiles of signal streams and of the call channel showed both processes mostly
 * idle, waiting on each other). The stream's inner call accepts a message before the previous one is flushed;
 * Node's HTTP/2 stream then buffers and batches them, in order, and the status that ends the stream still
 * follows them.
 *
 * @module
 */

/** The inner grpc-js call of a server stream. */
export interface DirectSender {
  /** Serializes and sends `message`; `callback` runs once HTTP/2 has flushed it. */
  sendMessage(message: unknown, callback: () => void): void;
}

/** The inner call of `call`, when this grpc-js exposes one; otherwise undefined (use `call.write`). */
export function directSender(call: object): DirectSender | undefined {
  const inner = (call as { call?: Partial<DirectSender> }).call;
  return inner && typeof inner.sendMessage === "function" ? (inner as DirectSender) : undefined;
}
