/**
 * `qmi.core.Channel/Exchange` served on the HTTP/2 stream itself, beside grpc-js on the same connections.
 *
 * Bulk data crosses the channel in 256 KiB parts, and grpc-js's path cost each of them several copies and turns of
 * the event loop: the interceptor chain, a pause and resume of the stream per message, the framed copy of every
 * answer. Here a request is framed straight from the stream's chunks (`grpc-message-reader.ts`) and an answer is
 * written as its 5-byte prefix and its bytes, corked, with no copy. Everything grpc-js did for this path is done here
 * too, with the same statuses and messages: the token check of `call-guard.ts` before anything is read (`UNAUTHENTICATED` with the
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
import { GrpcMessageReader, type GrpcMessage } from "../protocol/grpc-message-reader.ts";
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
  readonly #reader: GrpcMessageReader;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly metadata: Metadata,
    private readonly exchange: DirectExchange,
  ) {
    super();
    this.#reader = new GrpcMessageReader(exchange.maxMessageBytes, {
      message: (message) => this.#deliver(message),
      tooLarge: (length) => this.fail(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs ${exchange.maxMessageBytes})`),
    });
  }

  /** Starts reading requests, once the channel listens. */
  start(): void {
    this.stream.on("data", (chunk: Buffer) => this.#reader.push(chunk));
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
    this.#reader.stop();
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

  #deliver({ body, compressed, release }: GrpcMessage): void {
    if (this.#ended) return;
    let bytes = body;
    if (compressed) {
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
    // A decompressed message is a buffer of its own: nothing to release.
    this.emit("data", this.exchange.decode(bytes), bytes === body ? release : undefined);
  }
}
