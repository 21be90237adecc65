/**
 * Cuts the bytes of a gRPC stream, as HTTP/2 hands them over in chunks of any size, into its messages: each a
 * 1-byte compression flag, a 4-byte big-endian length and that many bytes ("Length-Prefixed-Message" of gRPC over
 * HTTP/2). Both ends of the call channel read with it (`server/h2-exchange-stream.ts`, `client/h2-grpc-stream.ts`).
 *
 * A message within one chunk is handed on as a view of it; one spread over several is joined once, when its last
 * chunk is in. The limit is checked from the prefix, before any of the message is kept.
 *
 * (Joining into one buffer reused for every message of a stream, instead of a new one each time, was measured for
 * 8 MB round trips in 256 KiB parts: no difference within the noise, so the simpler contract stayed.)
 *
 * @module
 */

const PREFIX_BYTES = 5;

/** One message read. */
export interface GrpcMessage {
  /** Its bytes (still compressed when {@link compressed}). */
  readonly body: Buffer;
  /** The flag byte was set: the body is compressed with the stream's `grpc-encoding`. */
  readonly compressed: boolean;
}

/** What a {@link GrpcMessageReader} reports. */
export interface GrpcMessageHandlers {
  /** A whole message. */
  message(message: GrpcMessage): void;
  /** A prefix announced `length` bytes, more than the limit; the reader has stopped (nothing of it was kept). */
  tooLarge(length: number): void;
}

/** Reads the messages of one stream (see the module documentation). */
export class GrpcMessageReader {
  readonly #prefix = Buffer.alloc(PREFIX_BYTES);
  #prefixBytes = 0;
  /** The length of the message being read, once its prefix is in; -1 before. */
  #messageBytes = -1;
  #compressed = false;
  /** The chunks of the message being read, and their bytes. */
  #chunks: Buffer[] = [];
  #received = 0;
  #stopped = false;

  constructor(
    /** The largest message accepted; a larger prefix stops the reader before any of its bytes are kept. */
    private readonly maxMessageBytes: number,
    private readonly handlers: GrpcMessageHandlers,
  ) {}

  /** Stops reading: further chunks are ignored (the stream failed or ended). */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
  }

  /** Reads `chunk`, handing on each message it completes, in order. */
  push(chunk: Buffer): void {
    let offset = 0;
    // An empty message whose prefix ends the chunk is still handed on now (`#messageBytes` 0), not with the next chunk.
    while ((offset < chunk.length || this.#messageBytes === 0) && !this.#stopped) {
      if (this.#messageBytes < 0) {
        const take = Math.min(PREFIX_BYTES - this.#prefixBytes, chunk.length - offset);
        chunk.copy(this.#prefix, this.#prefixBytes, offset, offset + take);
        this.#prefixBytes += take;
        offset += take;
        if (this.#prefixBytes < PREFIX_BYTES) return;
        this.#prefixBytes = 0;
        this.#compressed = this.#prefix[0] !== 0;
        const length = this.#prefix.readUInt32BE(1);
        if (length > this.maxMessageBytes) {
          this.stop();
          this.handlers.tooLarge(length);
          return;
        }
        this.#messageBytes = length;
        this.#received = 0;
      }
      const take = Math.min(this.#messageBytes - this.#received, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      if (this.#received === 0 && take === this.#messageBytes) {
        this.#hand(piece); // wholly inside this chunk: a view of it
        continue;
      }
      this.#chunks.push(piece);
      this.#received += take;
      if (this.#received < this.#messageBytes) return;
      const body = Buffer.concat(this.#chunks, this.#messageBytes);
      this.#chunks = [];
      this.#hand(body);
    }
  }

  #hand(body: Buffer): void {
    this.#messageBytes = -1;
    this.handlers.message({ body, compressed: this.#compressed });
  }
}
