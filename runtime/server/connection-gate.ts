/**
 * The listening sockets of a context's server, and the limits every connection meets before grpc-js sees it.
 *
 * grpc-js's `Server` keeps its `http2` server to itself and bounds neither the number of connections nor the
 * time a connection may take to start speaking HTTP/2: 2 000 TCP connections that never sent a byte all stayed
 * open until the keepalive ping ended them half a minute later. Its supported hook for connections it did not
 * accept itself, `Server.createConnectionInjector`, lets this gate own the sockets instead:
 *
 * - a connection must complete its handshake (the TLS handshake, when the context has `security.tls`, then the
 *   HTTP/2 preface and the client's first SETTINGS frame) within {@link CONNECTION_LIMITS}`.handshakeMs`, or it
 *   is closed;
 * - at most `maxHandshaking` connections may be in their handshake at once: a new one closes the oldest, so that
 *   a flood of silent connections cannot keep a real client (whose handshake takes a millisecond) out;
 * - at most `maxConnections` connections may be open at once; beyond that a new connection is closed at once.
 *
 * grpc-js serves each connection as if it had accepted it: the same `http2` server, options, keepalive and
 * interceptors. A plaintext connection is handed over at once, so that HTTP/2 reads the socket natively (reading
 * the preface in JavaScript first cost each later call on the connection measurably), and its handshake counts
 * as complete once the socket has received the preface and a frame header ({@link PREFACE_BYTES}). TLS is ended
 * here, with the same material grpc-js would use (`security.tls`), so that the TLS handshake counts against the
 * same bound; the decrypted stream is handed over once its preface and first SETTINGS frame are in.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { ServerCredentials, type ConnectionInjector, type Server } from "@grpc/grpc-js";
import { getLogger } from "../logging/log.ts";
import type { TlsMaterial } from "../config/security-settings.ts";
import type { Http2Server, Http2Session } from "node:http2";
import { injectorAndServer } from "./grpc-http2-server.ts";
import { widenWindows } from "./session-windows.ts";

const log = getLogger("qmi.core.security");

/** The limits a context's server applies to its connections (see the module documentation). */
export interface ConnectionLimits {
  /** Milliseconds a connection has to complete its TLS handshake and HTTP/2 preface. */
  readonly handshakeMs: number;
  /** Connections in their handshake at once; a new one beyond this closes the oldest. */
  readonly maxHandshaking: number;
  /** Open connections at once (handshaking or not); a new one beyond this is closed at once. */
  readonly maxConnections: number;
}

/** The limits of every context: 5 s to handshake, 128 handshaking, 1024 open connections. */
export const CONNECTION_LIMITS: ConnectionLimits = { handshakeMs: 5000, maxHandshaking: 128, maxConnections: 1024 };

/** The HTTP/2 client connection preface (RFC 9113 §3.4); a SETTINGS frame follows it. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** Length of an HTTP/2 frame header. */
const FRAME_HEADER = 9;
/** Bytes a plaintext connection has received once its handshake is in: the preface and the SETTINGS frame's header. */
const PREFACE_BYTES = PREFACE.length + FRAME_HEADER;

/**
 * Bytes of a complete handshake in `received`: the preface plus its SETTINGS frame; -1 while incomplete; 0 when
 * the bytes are not HTTP/2 (then grpc-js answers them as it would, e.g. a TLS client gets a clear TLS error).
 */
function prefaceLength(received: Buffer): number {
  const compared = Math.min(received.length, PREFACE.length);
  if (!received.subarray(0, compared).equals(PREFACE.subarray(0, compared))) return 0;
  if (received.length < PREFACE.length + FRAME_HEADER) return -1;
  const total = PREFACE.length + FRAME_HEADER + received.readUIntBE(PREFACE.length, 3);
  return received.length >= total ? total : -1;
}

/** Both ends of a connection: what identifies it, whether seen from the TCP socket or the TLS socket over it. */
function endpoints(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}|${socket.localAddress}|${socket.localPort}`;
}

/** Counts refused connections; logs the first and then every 100th, so that a flood cannot flood the log. */
class RefusedLog {
  #count = 0;
  note(why: string): void {
    this.#count++;
    if (this.#count === 1 || this.#count % 100 === 0) log.warning(`${why} (${this.#count} connections closed so far)`);
  }
}

/** What the gate knows of one open connection. */
interface Admitted {
  readonly socket: Socket;
  /** Set while the connection is in its handshake. */
  timer: NodeJS.Timeout | undefined;
}

/** Accepts a context's connections, applies {@link ConnectionLimits}, and hands the rest to grpc-js. */
export class ConnectionGate {
  readonly #injector: ConnectionInjector;
  /** Never listens: ends TLS on the sockets given to it (`emit("connection")`), as it would on its own. */
  readonly #tlsServer: TlsServer | undefined;
  /** The connections in their TLS handshake, by {@link endpoints}, to find them from the TLS server's events. */
  readonly #inTls = new Map<string, Admitted>();
  readonly #listeners: NetServer[] = [];
  /** Connections in their handshake, oldest first. */
  readonly #handshaking = new Set<Admitted>();
  readonly #open = new Set<Admitted>();
  readonly #refused = new RefusedLog();
  #closed = false;
  /** The HTTP/2 server of the connections (grpc-js's, see `grpc-http2-server.ts`); undefined if it was not found. */
  readonly http2Server: Http2Server | undefined;

  constructor(
    server: Server,
    private readonly tls: TlsMaterial | undefined,
    readonly limits: ConnectionLimits = CONNECTION_LIMITS,
  ) {
    // TLS ends here, so grpc-js is given the decrypted connection.
    const { injector, http2Server } = injectorAndServer(server, () => server.createConnectionInjector(ServerCredentials.createInsecure()));
    this.#injector = injector;
    this.http2Server = http2Server;
    if (http2Server) http2Server.on("session", (session: Http2Session) => widenWindows(session));
    else log.warning("Could not find the HTTP/2 server of this grpc-js version: connections keep HTTP/2's 64 KiB windows, and large messages are slower");
    this.#tlsServer = tls && this.#endTls(tls);
  }

  /** Open connections: in their handshake, and in all. */
  get counts(): { readonly handshaking: number; readonly open: number } {
    for (const admitted of this.#handshaking) if (this.#handshakeDone(admitted)) this.#settle(admitted);
    return { handshaking: this.#handshaking.size, open: this.#open.size };
  }

  /**
   * Listens on every address `host` resolves to (as grpc-js's `bindAsync` does: `localhost` is 127.0.0.1 and ::1)
   * at `port` (0: one ephemeral port for all); resolves with the port. Fails when no address could be bound.
   */
  async listen(host: string, port: number): Promise<number> {
    const addresses = await lookup(host.replace(/^\[(.*)\]$/, "$1"), { all: true });
    const errors: Error[] = [];
    for (const { address } of addresses) {
      // noDelay as grpc-js's own listener has it: without, each small answer waits for the peer's delayed ACK.
      const listener = createServer({ noDelay: true }, (socket) => this.#admit(socket));
      try {
        port = await new Promise<number>((resolve, reject) => {
          listener.once("error", reject);
          listener.listen({ host: address, port }, () => {
            listener.off("error", reject);
            resolve((listener.address() as { port: number }).port);
          });
        });
        this.#listeners.push(listener);
      } catch (error) {
        errors.push(error as Error);
      }
    }
    if (this.#listeners.length === 0) throw errors[0] ?? new Error(`${host} resolves to no address`);
    return port;
  }

  /** Stops accepting and closes the connections still in their handshake (grpc-js closes the others). */
  close(): void {
    this.#closed = true;
    for (const listener of this.#listeners) listener.close();
    for (const admitted of this.#handshaking) {
      if (this.#handshakeDone(admitted)) this.#settle(admitted);
      else admitted.socket.destroy();
    }
  }

  #admit(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on("error", () => undefined); // a reset before the handshake ends is no one's business but this gate's
    if (this.#closed || this.#open.size >= this.limits.maxConnections) {
      this.#refused.note(`Closed the connection from ${peer}: this context has ${this.limits.maxConnections} connections open, its limit`);
      socket.destroy();
      return;
    }
    this.#makeRoomFor(peer);
    const admitted: Admitted = {
      socket,
      timer: setTimeout(() => {
        if (this.#handshakeDone(admitted)) return this.#settle(admitted);
        this.#refused.note(`Closed the connection from ${peer}: no ${this.tls ? "TLS handshake and " : ""}HTTP/2 preface within ${this.limits.handshakeMs} ms`);
        socket.destroy();
      }, this.limits.handshakeMs),
    };
    this.#handshaking.add(admitted);
    this.#open.add(admitted);
    socket.once("close", () => {
      this.#settle(admitted);
      this.#open.delete(admitted);
    });
    if (!this.#tlsServer) return this.#injector.injectConnection(socket);
    const key = endpoints(socket);
    this.#inTls.set(key, admitted);
    socket.once("close", () => this.#inTls.delete(key));
    this.#tlsServer.emit("connection", socket);
  }

  /** A plaintext connection has received its preface (a TLS one is settled when its preface is read). */
  #handshakeDone(admitted: Admitted): boolean {
    return !this.#tlsServer && admitted.socket.bytesRead >= PREFACE_BYTES;
  }

  /**
   * Keeps the connections in their handshake below `maxHandshaking` before one more is admitted: those that have
   * completed it meanwhile leave the count, and if it is still full, the oldest one that has not is closed.
   */
  #makeRoomFor(peer: string): void {
    if (this.#handshaking.size < this.limits.maxHandshaking) return;
    for (const admitted of this.#handshaking) {
      if (this.#handshakeDone(admitted)) {
        this.#settle(admitted);
        if (this.#handshaking.size < this.limits.maxHandshaking) return;
        continue;
      }
      this.#refused.note(`Closed the oldest of ${this.limits.maxHandshaking} connections still in their handshake, to admit one from ${peer}`);
      admitted.socket.destroy(); // its "close" event settles it
      this.#settle(admitted);
      return;
    }
  }

  /** The TLS server that ends TLS on admitted sockets: `tls` as grpc-js would use it, HTTP/2 (ALPN h2) only. */
  #endTls(tls: TlsMaterial): TlsServer {
    const requestCert = tls.requireClientCert;
    const server = createTlsServer({
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      ciphers: process.env.GRPC_SSL_CIPHER_SUITES, // grpc-js's own override of the cipher list
      requestCert,
      rejectUnauthorized: requestCert,
      ALPNProtocols: ["h2"],
      handshakeTimeout: this.limits.handshakeMs,
    });
    server.on("tlsClientError", (error: Error, secure: TLSSocket) => {
      const peer = secure.remoteAddress ? `${secure.remoteAddress}:${secure.remotePort}` : "a client that hung up";
      const hint = requestCert ? " (security.tls.require_client_cert: the client must present a certificate signed by security.tls.ca)" : "";
      this.#refused.note(`TLS handshake with ${peer} failed: ${error.message}${hint}`);
      secure.destroy();
    });
    server.on("secureConnection", (secure: TLSSocket) => {
      const admitted = this.#inTls.get(endpoints(secure));
      this.#inTls.delete(endpoints(secure));
      if (!admitted || admitted.timer === undefined) return void secure.destroy();
      if (secure.alpnProtocol !== "h2") {
        this.#refused.note(`Closed the TLS connection from ${secure.remoteAddress}:${secure.remotePort}: it did not offer HTTP/2 (ALPN h2), so it is no gRPC client`);
        return void secure.destroy();
      }
      this.#readPreface(admitted, secure);
    });
    return server;
  }

  /** Reads until the HTTP/2 preface and first SETTINGS frame are in, then hands `stream` to grpc-js. */
  #readPreface(admitted: Admitted, stream: Socket): void {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const received = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      if (prefaceLength(received) < 0) return;
      stream.off("data", onData);
      stream.pause();
      stream.unshift(received); // grpc-js's http2 session reads what is buffered first
      this.#settle(admitted);
      this.#injector.injectConnection(stream);
    };
    stream.on("data", onData);
  }

  /** The handshake ended (completed, or the connection closed): its timer and place among the handshaking go. */
  #settle(admitted: Admitted): void {
    clearTimeout(admitted.timer);
    admitted.timer = undefined;
    this.#handshaking.delete(admitted);
  }
}
