/**
 * Benchmark 11's raw baseline: a length-prefixed echo over a plain TCP socket between the benchmark's two
 * processes. A message is a 4-byte big-endian length and that many bytes; the server gathers a whole message
 * before writing it back, and the client gathers the whole answer, as any RPC has to, so that the baseline is
 * what moving the bytes costs and nothing less (an echo of each chunk as it arrives would overlap the two
 * directions, which no request/response call can).
 *
 * @module
 */
import { connect, createServer, type Server, type Socket } from "node:net";

const HEADER_BYTES = 4;

/** Collects a socket's chunks into length-prefixed messages, handing each complete body to `onMessage`. */
class FrameReader {
  readonly #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(private readonly onMessage: (body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= HEADER_BYTES) {
      const head = this.#chunks[0]!.length >= HEADER_BYTES ? this.#chunks[0]! : this.#flatten();
      const total = HEADER_BYTES + head.readUInt32BE(0);
      if (this.#buffered < total) return;
      // One copy of the whole message, once it is all there (copying on every chunk would be quadratic).
      const all = this.#flatten();
      const rest = all.subarray(total);
      this.#chunks.length = 0;
      this.#buffered = rest.length;
      if (rest.length > 0) this.#chunks.push(rest);
      this.onMessage(all.subarray(HEADER_BYTES, total));
    }
  }

  #flatten(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks.length = 0;
    this.#chunks.push(all);
    return all;
  }
}

function header(length: number): Buffer {
  const head = Buffer.allocUnsafe(HEADER_BYTES);
  head.writeUInt32BE(length, 0);
  return head;
}

/** Starts the length-prefixed echo server on 127.0.0.1, on a free port (`server.address()` tells which). */
export async function startFramedEchoServer(): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const reader = new FrameReader((body) => {
      socket.cork();
      socket.write(header(body.length));
      socket.write(body);
      socket.uncork();
    });
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** A client of {@link startFramedEchoServer}: one message in flight at a time. */
export class FramedEchoClient {
  #waiting: ((body: Buffer) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    const reader = new FrameReader((body) => {
      const done = this.#waiting;
      this.#waiting = undefined;
      done?.(body);
    });
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
  }

  /** Connects to the echo server on 127.0.0.1:`port`. */
  static async connect(port: number): Promise<FramedEchoClient> {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new FramedEchoClient(socket);
  }

  /** Sends `payload` and resolves with the echoed bytes, gathered into one buffer. */
  roundTrip(payload: Uint8Array): Promise<Buffer> {
    return new Promise<Buffer>((resolve) => {
      this.#waiting = resolve;
      this.socket.cork();
      this.socket.write(header(payload.byteLength));
      this.socket.write(payload);
      this.socket.uncork();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
