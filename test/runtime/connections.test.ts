import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Client, Server, credentials, status as Status } from "@grpc/grpc-js";
import { Context, type QmiConfig } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { CONNECTION_LIMITS, ConnectionGate, type ConnectionLimits } from "../../runtime/server/connection-gate.ts";
import { SESSION_WINDOWS } from "../../runtime/server/session-windows.ts";
import { INSECURE, loadSecuritySettings } from "../../runtime/config/security-settings.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { until } from "../helpers/process-usage.ts";
import { rawStream, rawUnary } from "../helpers/raw-grpc.ts";
import { hasOpenssl, makeTestCertificates } from "../helpers/test-certs.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";

const quiet = { discovery: { enabled: false }, logging: { console_loglevel: "ERROR" } } satisfies QmiConfig;
const TOKEN = "test-token-0123456789abcdef";
const NSG = "/qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator";

/** A TCP connection to `port` that sends `bytes` (nothing by default); `closed` says when the server closed it. */
function rawConnection(port: number, bytes?: Buffer): { socket: Socket; closed: () => boolean } {
  let closed = false;
  const socket = connect(port, "127.0.0.1", () => bytes && socket.write(bytes));
  socket.on("error", () => undefined);
  socket.on("data", () => undefined); // keeps reading, so that the server's FIN is seen
  socket.on("close", () => (closed = true));
  return { socket, closed: () => closed };
}

/** An HTTP/2 connection that completes its handshake (a real client, without grpc-js). */
function h2Session(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${port}`);
    session.once("remoteSettings", () => resolve(session));
    session.once("error", reject);
    session.once("close", () => reject(new Error("closed before its settings")));
  });
}

describe("ConnectionGate (limits of a context's connections)", () => {
  /** A grpc-js server behind a gate with `limits`; its port. */
  async function gated(limits: ConnectionLimits, tls = false) {
    const server = new Server();
    const settings = tls ? loadSecuritySettings({ security: { tls: { cert: certs!.cert, key: certs!.key } } }, undefined) : INSECURE;
    const gate = new ConnectionGate(server, settings.tls, limits);
    const port = await gate.listen("127.0.0.1", 0);
    return { gate, port, close: () => (gate.close(), server.forceShutdown()) };
  }
  let certs: ReturnType<typeof makeTestCertificates> | undefined;
  before(() => {
    if (hasOpenssl()) certs = makeTestCertificates();
  });
  after(() => certs?.remove());

  it("closes a connection that sends nothing, or only part of the HTTP/2 preface, at the handshake bound", async () => {
    const { gate, port, close } = await gated({ handshakeMs: 300, maxHandshaking: 10, maxConnections: 10 });
    try {
      const silent = rawConnection(port);
      const partial = rawConnection(port, Buffer.from("PRI * HTTP/2.0\r\n"));
      const started = Date.now();
      await until(() => silent.closed() && partial.closed(), 3, "the server to close both");
      assert.ok(Date.now() - started >= 250, `closed after ${Date.now() - started} ms, not at the bound`);
      await until(() => gate.counts.open === 0, 1, "the gate to forget them");
    } finally {
      close();
    }
  });

  it("admits a real HTTP/2 client and keeps it past the bound", async () => {
    const { gate, port, close } = await gated({ handshakeMs: 200, maxHandshaking: 10, maxConnections: 10 });
    try {
      const session = await h2Session(port);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(session.closed || session.destroyed, false);
      assert.deepEqual(gate.counts, { handshaking: 0, open: 1 });
      session.close();
      await until(() => gate.counts.open === 0, 2, "the gate to see the close");
    } finally {
      close();
    }
  });

  it("widens each connection's HTTP/2 windows and frame size (SESSION_WINDOWS), so that large messages are not held back", async () => {
    const { port, close } = await gated({ handshakeMs: 1000, maxHandshaking: 10, maxConnections: 10 });
    try {
      const session = await h2Session(port);
      // The server sends its settings and window update right after its preface; they arrive within a few turns.
      await until(() => session.remoteSettings.maxFrameSize === SESSION_WINDOWS.maxFrameSize, 5, "the server's SETTINGS");
      assert.equal(session.remoteSettings.initialWindowSize, SESSION_WINDOWS.streamWindow);
      await until(() => session.state.remoteWindowSize === SESSION_WINDOWS.connectionWindow, 5, "the server's connection window");
      assert.ok(SESSION_WINDOWS.connectionWindow > 65_535 && SESSION_WINDOWS.maxFrameSize > 16_384, "wider than HTTP/2's defaults");
      session.close();
    } finally {
      close();
    }
  });

  it("closes, when it stops, only the connections still in their handshake (served ones are grpc-js's to end)", async () => {
    const server = new Server();
    const gate = new ConnectionGate(server, undefined, { handshakeMs: 10_000, maxHandshaking: 10, maxConnections: 10 });
    const port = await gate.listen("127.0.0.1", 0);
    try {
      const session = await h2Session(port); // young: its handshake bound has not passed
      const silent = rawConnection(port);
      await new Promise((resolve) => setTimeout(resolve, 200)); // both accepted (counts would settle the served one)
      gate.close();
      await until(() => silent.closed(), 2, "the silent connection to be closed");
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(session.closed || session.destroyed, false, "a served connection outlives the gate's close");
      session.close();
    } finally {
      server.forceShutdown();
    }
  });

  it("closes the oldest connection in its handshake to admit a new one beyond maxHandshaking", async () => {
    const { gate, port, close } = await gated({ handshakeMs: 10_000, maxHandshaking: 3, maxConnections: 100 });
    try {
      const silent = [rawConnection(port), rawConnection(port), rawConnection(port)];
      await until(() => gate.counts.handshaking === 3, 2, "three connections in their handshake");
      const session = await h2Session(port); // a fourth: the oldest silent one makes room
      await until(() => silent[0]!.closed(), 2, "the oldest to be closed");
      assert.deepEqual(silent.map((s) => s.closed()), [true, false, false]);
      assert.deepEqual(gate.counts, { handshaking: 2, open: 3 });
      session.close();
      silent.forEach((s) => s.socket.destroy());
    } finally {
      close();
    }
  });

  it("closes a new connection at once beyond maxConnections, and admits again once one closed", async () => {
    const { port, close } = await gated({ handshakeMs: 10_000, maxHandshaking: 10, maxConnections: 2 });
    try {
      const first = await h2Session(port);
      const second = await h2Session(port);
      const third = rawConnection(port);
      await until(() => third.closed(), 2, "the third connection to be closed");
      first.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await h2Session(port);
      again.close();
      second.close();
    } finally {
      close();
    }
  });

  it("bounds the TLS handshake too: a silent TCP connection to a TLS context is closed at the bound", { skip: skipUnlessPresent(hasOpenssl() ? false : "openssl is not installed (test/setup.sh installs it when run as root)") }, async () => {
    const { port, close } = await gated({ handshakeMs: 300, maxHandshaking: 10, maxConnections: 10 }, true);
    try {
      const silent = rawConnection(port);
      await until(() => silent.closed(), 3, "the server to close it");
      // A TLS client that completes the handshake but sends no HTTP/2 preface is closed as well.
      let closed = false;
      const secure = tlsConnect({ port, host: "127.0.0.1", ca: readFileSync(certs!.ca), ALPNProtocols: ["h2"] });
      secure.on("error", () => undefined);
      secure.on("data", () => undefined);
      secure.on("close", () => (closed = true));
      await until(() => closed, 3, "the server to close the TLS connection without a preface");
    } finally {
      close();
    }
  });
});

describe("a context under a flood of silent connections (server in a child process)", () => {
  let child: Child;
  let port: number;
  let client: Context;
  before(async () => {
    child = startChild("test/fixtures/nsg-server.ts", ["flood_server"]);
    port = Number((await child.waitForLine(/^LISTENING (\d+)/))[1]);
    client = await Context.start("flood_client", { config: quiet });
    await client.connectToPeer("flood_server", { address: `127.0.0.1:${port}`, callPath: "unary" });
  });
  after(async () => {
    await client?.stop();
    child?.kill();
  });
  const serverFds = () => readdirSync(`/proc/${child.process.pid}/fd`).length;

  it(`keeps at most ${CONNECTION_LIMITS.maxHandshaking} of 600 silent connections, closes them all within the bound, and serves a client all along`, async () => {
    const nsg = await client.getInstrument("flood_server.nsg", NoisySineGeneratorProxy);
    await nsg.open();
    const baseline = serverFds();
    const flood = Array.from({ length: 600 }, () => rawConnection(port));
    const started = Date.now();
    await until(() => flood.every((c) => c.closed() || c.socket.readyState === "open"), 10, "the flood to connect");
    let peak = 0;
    // During the flood: calls on the established connection, and a new client connecting.
    for (let i = 0; i < 5; i++) {
      peak = Math.max(peak, serverFds());
      assert.equal(typeof (await nsg.getSample({ timeout: 5 })), "number");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const newcomer = await Context.start("flood_newcomer", { config: quiet });
    try {
      await newcomer.connectToPeer("flood_server", { address: `127.0.0.1:${port}`, timeout: 5 });
      peak = Math.max(peak, serverFds());
      const other = await newcomer.getInstrument("flood_server.nsg", NoisySineGeneratorProxy);
      assert.equal(typeof (await other.getSample({ timeout: 5 })), "number");
    } finally {
      await newcomer.stop();
    }
    assert.ok(peak <= baseline + CONNECTION_LIMITS.maxHandshaking + 8, `the server held ${peak - baseline} fds more than before the flood`);
    await until(() => flood.every((c) => c.closed()), CONNECTION_LIMITS.handshakeMs / 1000 + 5, "every silent connection to be closed");
    const elapsed = Date.now() - started;
    assert.ok(elapsed < CONNECTION_LIMITS.handshakeMs + 5000, `closed after ${elapsed} ms`);
    await until(() => serverFds() <= baseline + 2, 5, `the server's fds to return to ${baseline}`);
    assert.equal(typeof (await nsg.getSample({ timeout: 5 })), "number", "the client works after the flood");
  });
});

describe("with a token, unknown methods are refused like hosted ones", () => {
  let server: Context;
  let raw: Client;
  before(async () => {
    server = await Context.start("unknown_token_server", { config: { ...quiet, security: { token: TOKEN } } });
    await server.makeInstrument("nsg", NoisySineGenerator);
    raw = new Client(server.address, credentials.createInsecure());
  });
  after(async () => {
    raw.close();
    await server.stop();
  });

  const paths = [`${NSG}/GetSample`, "/qmi.drivers.not.Hosted/GetSample", "/no.such.Service/Method", "/qmi.core.Context/NoSuchMethod"];

  it("answers UNAUTHENTICATED (and the same details) for a hosted and an unknown path without the token or with a wrong one", async () => {
    for (const token of [undefined, "wrong"]) {
      const metadata: Record<string, string> = token ? { "qmi-auth-token": token } : {};
      const outcomes = [];
      for (const path of paths) {
        for (const kind of ["unary", "server", "bidi"] as const) {
          const outcome =
            kind === "unary"
              ? await rawUnary(raw, path, Buffer.alloc(0), metadata)
              : await rawStream(raw, path, Buffer.alloc(0), metadata, { bidi: kind === "bidi" });
          assert.equal(outcome.code, Status.UNAUTHENTICATED, `${kind} ${path}: ${outcome.details}`);
          assert.equal(outcome.errorClass, "UnauthenticatedError");
          outcomes.push(outcome.details);
        }
      }
      assert.equal(new Set(outcomes).size, 1, "one answer for every path");
    }
  });

  it("answers UNIMPLEMENTED for an unknown path once the token is right", async () => {
    for (const path of paths.slice(1)) {
      const unary = await rawUnary(raw, path, Buffer.alloc(0), { "qmi-auth-token": TOKEN });
      assert.equal(unary.code, Status.UNIMPLEMENTED, `${path}: ${unary.details}`);
      assert.match(unary.details, /does not implement the method/);
      const stream = await rawStream(raw, path, Buffer.alloc(0), { "qmi-auth-token": TOKEN });
      assert.equal(stream.code, Status.UNIMPLEMENTED, path);
    }
    const hosted = await rawUnary(raw, `${NSG}/IsOpen`, Buffer.alloc(0), { "qmi-auth-token": TOKEN, "qmi-object": "nsg" });
    assert.equal(hosted.code, Status.OK, hosted.details);
  });

  it("without a token configured, an unknown path still answers UNIMPLEMENTED", async () => {
    const open = await Context.start("unknown_open_server", { config: quiet });
    const client = new Client(open.address, credentials.createInsecure());
    try {
      const outcome = await rawUnary(client, "/no.such.Service/Method", Buffer.alloc(0));
      assert.equal(outcome.code, Status.UNIMPLEMENTED);
    } finally {
      client.close();
      await open.stop();
    }
  });
});

describe("a request body that claims gzip and is not", () => {
  it("ends that call with grpc-js's INTERNAL 'Failed to decompress message' and leaves the context serving", async () => {
    // grpc-js decompresses before any interceptor sees the message and sends this status itself (as gRPC's C core
    // does): no hook of ours runs in between, so the code stays INTERNAL, not INVALID_ARGUMENT.
    const server = await Context.start("gzip_server", { config: quiet });
    try {
      const session = await h2Session(server.tcpServerPort);
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
        const stream = session.request({ ":method": "POST", ":path": "/qmi.core.Context/Ping", "content-type": "application/grpc", te: "trailers", "grpc-encoding": "gzip" });
        const body = Buffer.from([1, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]); // compressed flag, length 4, not gzip
        let headers: Record<string, unknown> = {};
        stream.on("response", (h) => (headers = h));
        stream.on("trailers", (t) => (clearTimeout(timer), resolve(t)));
        stream.on("end", () => (clearTimeout(timer), resolve(headers)));
        stream.on("data", () => undefined);
        stream.on("error", reject);
        stream.end(body);
      });
      assert.equal(Number(trailers["grpc-status"]), Status.INTERNAL);
      assert.equal(decodeURIComponent(String(trailers["grpc-message"])), "Failed to decompress message");
      session.close();
      const client = new Client(server.address, credentials.createInsecure());
      const ping = await rawUnary(client, "/qmi.core.Context/Ping", Buffer.alloc(0));
      client.close();
      assert.equal(ping.code, Status.OK, ping.details);
    } finally {
      await server.stop();
    }
  });
});
