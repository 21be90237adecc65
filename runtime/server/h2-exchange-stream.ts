/**
 * `qmi.core.Channel/Exchange` served on the HTTP/2 stream itself, beside grpc-js on the same connections.
 *
 * Bulk data crosses the channel in 256 KiB parts, and grpc-js's path cost each of them several copies and turns of
 * the event loop: the interceptor chain, a pause and resume of the stream per message, the framed copy of every
 * answer. Here a request is framed straight from the stream's chunks and an answer is written as its 5-byte prefix
 * and its bytes, corked, with no copy. Everything grpc-js did for this path is done here too, with the same
 * statuses and messages: the token check of `call-guard.ts` before anything is read (`UNAUTHENTICATED` with the
 * `qmi-error` trailer), `grpc.max_receive_message_length` (`RESOURCE_EXHAUSTED`, "Received message larger than
 * max"), gzip and deflate requests inflated within that limit, and a content type that is not gRPC refused with
 * HTTP 415. The connections themselves, their settings, keepalive and shutdown stay grpc-js's.
 *
 * @module
 */
import { constants as http2Constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { EventEmitter } from "node:events";
import { gunzipSync, inflateSync } from "node:zlib";
import { Metadata, status as Status } from "@grpc/grpc-js";
import { encodeAnswerPieces, writeGrpcMessage, type ChannelAnswer, type ChannelBatch } from "../protocol/channel-codec.ts";
import { UnauthenticatedError } from "../protocol/errors.ts";
import { toStatus } from "../protocol/status-mapping.ts";
import { RefusalLog, tokenProblem } from "./call-guard.ts";
import type { ExchangeStream, Undecodable } from "./channel-service.ts";

/** What serving an Exchange stream directly needs. */
export interface DirectExchange {
  /** The context's token, if it has one. */
  readonly token: string | undefined;
  /** The largest request message (`security.max_message_bytes`). */
  readonly maxMessageBytes: number;
  /** Decodes a batch of calls; never throws. */
  readonly decode: (bytes: Buffer) => ChannelBatch | Undecodable;
  /** Serves the stream (`exchangeServer` of `channel-service.ts`). */
  readonly serve: (stream: ExchangeStream) => void;
  /** Where refusals are counted and logged. */
  readonly refusals: RefusalLog;
}

const PREFIX_BYTES = 5;
const RESPONSE_HEADERS = {
  [http2Constants.HTTP2_HEADER_STATUS]: 200,
  [http2Constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  "grpc-accept-encoding": "identity,deflate,gzip",
  "grpc-encoding": "identity",
};

/** Serves one Exchange stream that arrived with `headers`. */
export function serveExchangeStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, exchange: DirectExchange): void {
  // An error always comes with a close, which ends the call; without a listener it would be thrown.
  stream.on("error", () => undefined);
  const contentType = headers[http2Constants.HTTP2_HEADER_CONTENT_TYPE];
  if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
    stream.respond({ [http2Constants.HTTP2_HEADER_STATUS]: http2Constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
    return;
  }
  const call = new DirectExchangeStream(stream, Metadata.fromHttp2Headers(headers), exchange);
  const problem = exchange.token === undefined ? undefined : tokenProblem(exchange.token, call.metadata);
  if (problem !== undefined) {
    exchange.refusals.note(String(headers[http2Constants.HTTP2_HEADER_PATH]), call.getPeer(), "bad or missing token");
    call.refuse(new UnauthenticatedError(problem));
    return;
  }
  exchange.serve(call);
  call.start();
}

/** One Exchange stream on a bare HTTP/2 stream (see the module documentation). */
class DirectExchangeStream extends EventEmitter implements ExchangeStream {
  #headersSent = false;
  #ended = false;
  /** Bytes of the message being read: its prefix first, then its body. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The body length of the message being read, once its prefix is in. */
  #messageBytes = -1;
  #compressed = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly metadata: Metadata,
    private readonly exchange: DirectExchange,
  ) {
    super();
  }

  /** Starts reading requests, once the channel listens. */
  start(): void {
    this.stream.on("data", (chunk: Buffer) => this.#read(chunk));
    this.stream.on("end", () => {
      if (!this.#ended) this.emit("end");
    });
    this.stream.on("close", () => {
      if (!this.#ended) {
        this.#ended = true;
        this.emit("cancelled");
      }
    });
  }

  getPeer(): string {
    const socket = this.stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown";
  }

  sendMetadata(headers: Metadata): void {
    if (this.#headersSent || this.#ended) return;
    this.#headersSent = true;
    this.stream.respond({ ...RESPONSE_HEADERS, ...headers.toHttp2Headers() }, { waitForTrailers: true });
  }

  write(answers: readonly ChannelAnswer[], written: () => void): void {
    if (this.#ended || this.stream.destroyed) return;
    if (!this.#headersSent) this.sendMetadata(new Metadata());
    // The large responses (a part of a trace) are written as they are, beside their envelope, not copied into it.
    writeGrpcMessage(this.stream, encodeAnswerPieces(answers), () => written());
  }

  end(): void {
    this.#finish(Status.OK, "");
  }

  fail(code: Status, details: string): void {
    const open = !this.#ended;
    this.#finish(code, details);
    // As grpc-js's call does: the channel closes on "error".
    if (open && this.listenerCount("error") > 0) this.emit("error");
  }

  /** Ends the stream with the status and `qmi-error` trailer of `error`, before reading anything. */
  refuse(error: Error): void {
    const status = toStatus(error);
    this.#finish(status.code ?? Status.INTERNAL, status.details ?? error.message, status.metadata ?? undefined);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  #finish(code: Status, details: string, trailers?: Metadata): void {
    if (this.#ended || this.stream.destroyed) return;
    this.#ended = true;
    const status = { "grpc-status": String(code), "grpc-message": encodeURI(details), ...trailers?.toHttp2Headers() };
    if (!this.#headersSent) {
      // Trailers only: the status goes with the response headers.
      this.#headersSent = true;
      this.stream.respond({ ...RESPONSE_HEADERS, ...status }, { endStream: true });
      return;
    }
    this.stream.once("wantTrailers", () => this.stream.sendTrailers(status));
    this.stream.end();
  }

  /** Frames the messages of `chunk` (with what came before it) and hands each on. */
  #read(chunk: Buffer): void {
    let offset = 0;
    // An empty message whose prefix ends the chunk is still delivered now (`#messageBytes` 0), not with the next chunk.
    while ((offset < chunk.length || this.#messageBytes === 0) && !this.#ended) {
      if (this.#messageBytes < 0) {
        const take = Math.min(PREFIX_BYTES - this.#pendingBytes, chunk.length - offset);
        this.#keep(chunk.subarray(offset, offset + take));
        offset += take;
        if (this.#pendingBytes < PREFIX_BYTES) return;
        const prefix = this.#takePending();
        this.#compressed = prefix[0] !== 0;
        this.#messageBytes = prefix.readUInt32BE(1);
        if (this.#messageBytes > this.exchange.maxMessageBytes) {
          this.fail(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${this.#messageBytes} vs ${this.exchange.maxMessageBytes})`);
          return;
        }
      }
      const take = Math.min(this.#messageBytes - this.#pendingBytes, chunk.length - offset);
      // A message wholly inside this chunk is a view of it, not a copy.
      const body =
        this.#pendingBytes === 0 && take === this.#messageBytes
          ? chunk.subarray(offset, offset + take)
          : (this.#keep(chunk.subarray(offset, offset + take)), this.#pendingBytes === this.#messageBytes ? this.#takePending() : undefined);
      offset += take;
      if (body === undefined) return;
      this.#messageBytes = -1;
      this.#deliver(body);
    }
  }

  #keep(part: Buffer): void {
    this.#pending.push(part);
    this.#pendingBytes += part.length;
  }

  #takePending(): Buffer {
    const whole = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return whole;
  }

  #deliver(body: Buffer): void {
    let bytes = body;
    if (this.#compressed) {
      const encoding = this.metadata.get("grpc-encoding")[0] ?? "identity";
      if (encoding !== "gzip" && encoding !== "deflate") {
        this.fail(Status.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${String(encoding)}"`);
        return;
      }
      try {
        const options = { maxOutputLength: this.exchange.maxMessageBytes };
        bytes = encoding === "gzip" ? gunzipSync(body, options) : inflateSync(body, options);
      } catch (error) {
        const tooLarge = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
        if (tooLarge) this.fail(Status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${this.exchange.maxMessageBytes}`);
        else this.fail(Status.INTERNAL, "Failed to decompress message");
        return;
      }
    }
    this.emit("data", this.exchange.decode(bytes));
  }
}
