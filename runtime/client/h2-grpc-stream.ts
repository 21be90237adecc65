/**
 * One gRPC bidirectional stream spoken directly over Node's `node:http2`, without the grpc-js client: what the
 * `qmi.core.Channel` stream uses. On the wire it is an ordinary gRPC call (the peer's server is grpc-js), but the
 * client side skips grpc-js's per-message layers (interceptors, retry buffering, a `Writable` that sends one
 * message per flush): measured against a grpc-js server on this machine, p50 1.55× a raw TCP ping-pong against
 * 2.2–2.8× with the grpc-js client (bench/README.md).
 *
 * It opens its own HTTP/2 connection (plaintext, or TLS with the context's certificate, CA and expected name), sends
 * the given metadata as request headers, frames messages as gRPC does (a flag byte and a 4-byte length), and
 * ends with the status of the response trailers, as a grpc-js `ServiceError`-shaped object so that
 * `fromStatus()` maps it like any other call's.
 *
 * @module
 */
import { connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import type { SecuritySettings } from "../config/security-settings.ts";
import { tlsFailureHint } from "../config/tls-problems.ts";
import { writeGrpcMessage } from "../protocol/channel-codec.ts";
import { GrpcMessageReader } from "../protocol/grpc-message-reader.ts";

/** What a {@link H2GrpcStream} reports. */
export interface H2GrpcStreamEvents {
  /** The server accepted the call (sent its response headers, without a status). */
  onAccepted(headers: IncomingHttpHeaders): void;
  /**
   * One message, unframed. `release` says that nothing of it is kept past the return, so that its memory may be
   * reused (see `GrpcMessage.release`); without it, the message is the handler's to keep.
   */
  onMessage(message: Buffer, release: () => void): void;
  /** The stream ended (by the server's status, a failure, or {@link H2GrpcStream.cancel}); called once. */
  onEnd(status: ServiceError): void;
}

/** Header names that are HTTP/2's or gRPC's own, not call metadata. */
const RESERVED_HEADERS = new Set([":status", "content-type", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding", "date"]);

/** A ServiceError-shaped status, as grpc-js reports one. */
function statusError(code: number, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${Status[code] ?? "UNKNOWN"}: ${details}`), { code, details, metadata });
}

/** The status carried by response headers or trailers, or undefined when they carry none. */
function statusOf(headers: IncomingHttpHeaders): ServiceError | undefined {
  const code = headers["grpc-status"];
  if (code === undefined) return undefined;
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(key) || key.startsWith(":") || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) metadata.add(key, one);
  }
  const message = headers["grpc-message"];
  let details = "";
  try {
    details = typeof message === "string" ? decodeURIComponent(message) : "";
  } catch {
    details = String(message);
  }
  return statusError(Number(code), details, metadata);
}

/** A gRPC bidirectional stream on its own HTTP/2 connection. */
export class H2GrpcStream {
  readonly #session: ClientHttp2Session;
  readonly #stream: ClientHttp2Stream;
  readonly #reader: GrpcMessageReader;
  #ended = false;
  /** The connection (and its TLS handshake) completed. */
  #connected = false;
  readonly #keepalive: NodeJS.Timeout;
  /** The timer of the ping waiting for its answer, if any. */
  #pingTimer: NodeJS.Timeout | undefined;

  constructor(
    /** `host:port` of the server. */
    address: string,
    /** `/<service>/<rpc>`. */
    path: string,
    /** Request metadata (lower-case keys). */
    metadata: Readonly<Record<string, string>>,
    private readonly security: SecuritySettings,
    private readonly events: H2GrpcStreamEvents,
    /**
     * Seconds between HTTP/2 pings while the stream is open, and to wait for each answer: a peer whose host
     * vanished (no FIN, no RST) ends the stream with `UNAVAILABLE` instead of leaving every later call to run into
     * its deadline. The same figures as the server's keepalive towards its clients.
     */
    keepalive: { readonly interval: number; readonly timeout: number } = { interval: 20, timeout: 10 },
  ) {
    const tls = security.tls;
    const tlsOptions = tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, ...(tls.serverName ? { servername: tls.serverName } : {}) } : {};
    this.#session = connect(`${tls ? "https" : "http"}://${address}`, {
      // Larger windows and frames than HTTP/2's 64 KiB and 16 KiB defaults, so that batches of calls and answers
      // and the parts of large ones are not held back (the server's side: server/session-windows.ts).
      settings: { initialWindowSize: 4 * 1024 * 1024, maxFrameSize: 1024 * 1024 },
      ...tlsOptions,
      // Our own socket, to turn Nagle's algorithm off as grpc-js does: small messages go out at once.
      createConnection: (url: URL) => {
        const port = Number(url.port);
        const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
        const socket = tls ? tlsConnect({ host, port, ALPNProtocols: ["h2"], ...tlsOptions }) : netConnect({ host, port });
        socket.setNoDelay(true);
        return socket;
      },
    });
    this.#session.on("error", (error: Error) => this.#end(this.#failure(error)));
    this.#session.on("close", () => this.#end(statusError(Status.UNAVAILABLE, "The connection closed")));
    this.#session.on("connect", () => {
      this.#connected = true;
      this.#session.setLocalWindowSize(8 * 1024 * 1024);
    });
    this.#keepalive = setInterval(() => this.#ping(keepalive.timeout), keepalive.interval * 1000);
    this.#keepalive.unref();
    this.#stream = this.#session.request({
      [h2.HTTP2_HEADER_METHOD]: "POST",
      [h2.HTTP2_HEADER_PATH]: path,
      [h2.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      [h2.HTTP2_HEADER_TE]: "trailers",
      ...metadata,
    });
    this.#stream.on("response", (headers) => {
      const status = statusOf(headers); // a trailers-only answer: the call was refused
      if (status) return this.#end(status);
      if (headers[":status"] !== 200) return this.#end(statusError(Status.UNAVAILABLE, `HTTP status ${headers[":status"]}`));
      this.events.onAccepted(headers);
    });
    this.#reader = new GrpcMessageReader(security.maxMessageBytes, {
      message: ({ body, compressed, release }) => {
        if (this.#ended) return;
        if (compressed) return this.#end(statusError(Status.INTERNAL, "Received a compressed message"));
        this.events.onMessage(body, release);
      },
      tooLarge: (length) => this.#end(statusError(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${security.maxMessageBytes})`)),
    });
    this.#stream.on("data", (chunk: Buffer) => this.#reader.push(chunk));
    this.#stream.on("trailers", (trailers) => this.#end(statusOf(trailers) ?? statusError(Status.INTERNAL, "Trailers without a status")));
    this.#stream.on("error", (error: Error) => this.#end(this.#failure(error)));
    this.#stream.on("close", () => this.#end(statusError(Status.UNAVAILABLE, "The stream closed without a status")));
  }

  /** `UNAVAILABLE` for a failed connection; one that failed before it was up (its TLS handshake) says which key to fix. */
  #failure(error: Error): ServiceError {
    const hint = this.#connected ? undefined : tlsFailureHint(error.message, this.security.tls !== undefined);
    return statusError(Status.UNAVAILABLE, hint ? `${hint}. (${error.message})` : error.message);
  }

  /**
   * Sends one message made of `pieces` written one after the other; `written` is called once HTTP/2 has taken it
   * (not when the stream has ended).
   */
  write(pieces: readonly Buffer[], written?: () => void): void {
    if (this.#ended) return;
    // None of the pieces is copied into a frame: a request of megabytes was copied once more here.
    writeGrpcMessage(this.#stream, pieces, written && (() => !this.#ended && written()));
  }

  /** Ends the stream and its connection; reports `CANCELLED`. */
  cancel(): void {
    this.#end(statusError(Status.CANCELLED, "Cancelled on client"));
  }

  /** Sends a ping; no answer within `timeout` seconds ends the stream. */
  #ping(timeout: number): void {
    if (this.#ended || this.#pingTimer || this.#session.connecting) return;
    const noAnswer = () => this.#end(statusError(Status.UNAVAILABLE, `The peer did not answer a keepalive ping within ${timeout} s`));
    this.#pingTimer = setTimeout(noAnswer, timeout * 1000);
    this.#pingTimer.unref();
    try {
      this.#session.ping((error) => {
        clearTimeout(this.#pingTimer);
        this.#pingTimer = undefined;
        if (error) this.#end(statusError(Status.UNAVAILABLE, `Keepalive ping failed: ${error.message}`));
      });
    } catch {
      // The session is closing: its close event ends the stream.
    }
  }

  #end(status: ServiceError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader.stop();
    clearInterval(this.#keepalive);
    clearTimeout(this.#pingTimer);
    if (!this.#stream.closed) this.#stream.close(h2.NGHTTP2_CANCEL);
    this.#session.destroy(); // one stream per connection: nothing else to wait for
    this.events.onEnd(status);
  }
}
