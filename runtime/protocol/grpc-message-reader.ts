/**
 * Cuts the bytes of a gRPC stream, as HTTP/2 hands them over in chunks of any size, into its messages: each a
 * 1-byte compression flag, a 4-byte big-endian length and that many bytes ("Length-Prefixed-Message" of gRPC over
 * HTTP/2). Both ends of the call channel read with it (`server/h2-exchange-stream.ts`, `client/h2-grpc-stream.ts`).
 *
 * A message within one chunk is handed on as a view of it; one spread over several is joined once, when its last
 * chunk is in. The limit is checked from the prefix, before any of the message is kept.
 *
 * A joined message of {@link SPARE_MIN_BYTES} to {@link SPARE_MAX_BYTES} (such as a part of a large call or answer)
 * is joined into a buffer that the process reuses for the next such message once its handler has said, by
 * {@link GrpcMessage.release}, that it keeps nothing of it (a part is copied into the whole it belongs to). Each
 * part otherwise left a buffer of its size behind: 8 MB of them per 8 MB received, which V8 counts against the
 * heap's limit until its next full collection, so that one ran for nearly every 8 MB round trip (bench/README.md,
 * "Why the client collected on nearly every round trip").
 *
 * @module
 */

const PREFIX_BYTES = 5;

/** Joined messages from this size on are joined into the reusable buffer (smaller ones cost little to allocate). */
export const SPARE_MIN_BYTES = 64 * 1024;
/** Joined messages up to this size are joined into the reusable buffer (the parts of calls are 256 KiB). */
export const SPARE_MAX_BYTES = 1024 * 1024;

/**
 * The reusable buffer, while no handler holds it: one per process, since handlers run one at a time (a message
 * joined from within a handler that holds it gets a buffer of its own).
 */
let spare: Buffer | undefined;

/** One message read. */
export interface GrpcMessage {
  /** Its bytes (still compressed when {@link compressed}). */
  readonly body: Buffer;
  /** The flag byte was set: the body is compressed with the stream's `grpc-encoding`. */
  readonly compressed: boolean;
  /**
   * Says that the handler keeps nothing of {@link body} (no view of it, nor of bytes decoded from it) past its
   * return, so that its memory may be reused for a later message. Without it, the body is the handler's to keep.
   */
  release(): void;
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
      this.#join();
    }
  }

  #hand(body: Buffer, release: () => void = keepsItsBuffer): void {
    this.#messageBytes = -1;
    this.handlers.message({ body, compressed: this.#compressed, release });
  }

  /** Joins the chunks of the message just completed and hands it on (see the module documentation). */
  #join(): void {
    const length = this.#messageBytes;
    const chunks = this.#chunks;
    this.#chunks = [];
    if (length < SPARE_MIN_BYTES || length > SPARE_MAX_BYTES) return this.#hand(Buffer.concat(chunks, length));
    let buffer = spare;
    spare = undefined;
    if (!buffer || buffer.length < length) buffer = Buffer.allocUnsafe(length);
    let at = 0;
    for (const chunk of chunks) at += chunk.copy(buffer, at);
    let released = false;
    this.#hand(buffer.subarray(0, length), () => void (released = true));
    // The larger stays, when a message joined within the handler was put back meanwhile.
    const putBack = spare as Buffer | undefined;
    if (released && (!putBack || putBack.length < buffer.length)) spare = buffer;
  }
}

/** The release of a body whose memory is not reused (a view of its chunk, or a buffer of its own). */
function keepsItsBuffer(): void {}
