import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Metadata, Server, ServerCredentials, status as Status, type ServerDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { H2GrpcStream, type H2GrpcStreamEvents } from "../../runtime/client/h2-grpc-stream.ts";
import { INSECURE } from "../../runtime/config/security-settings.ts";

const identity = (b: Buffer) => b;
const PATH = "/test.Echo/Chat";

/** A grpc-js server with one bidi RPC whose messages are raw bytes: `handler` serves each stream. */
async function echoServer(handler: (call: ServerDuplexStream<Buffer, Buffer>) => void): Promise<{ address: string; server: Server }> {
  const server = new Server();
  server.addService(
    { Chat: { path: PATH, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Chat: handler },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, server };
}

/** Opens a stream and records what it reports; `ended` resolves with the final status (bounded by the test timeout). */
function open(address: string, path = PATH, metadata: Record<string, string> = {}, security = INSECURE, keepalive = { interval: 20, timeout: 10 }) {
  const messages: Buffer[] = [];
  let accepted = false;
  let onMessage: () => void = () => undefined;
  let resolveEnded!: (status: ServiceError) => void;
  const ended = new Promise<ServiceError>((resolve) => (resolveEnded = resolve));
  const events: H2GrpcStreamEvents = {
    onAccepted: () => (accepted = true),
    onMessage: (m) => {
      messages.push(Buffer.from(m));
      onMessage();
    },
    onEnd: (status) => resolveEnded(status),
  };
  const stream = new H2GrpcStream(address, path, metadata, security, events, keepalive);
  const received = (count: number) =>
    new Promise<void>((resolve) => {
      onMessage = () => messages.length >= count && resolve();
      onMessage();
    });
  return { stream, messages, ended, received, accepted: () => accepted };
}

describe("H2GrpcStream: a gRPC bidi stream on node:http2 against a grpc-js server", () => {
  it("round-trips messages of every size in order, with the request metadata, and ends with the server's status", async () => {
    let seenMetadata: Metadata | undefined;
    const { address, server } = await echoServer((call) => {
      seenMetadata = call.metadata;
      call.sendMetadata(new Metadata());
      call.on("data", (m: Buffer) => (m.length === 1 && m[0] === 0xff ? call.emit("error", { code: Status.ABORTED, details: "asked to stop: ok", metadata: new Metadata() }) : call.write(m)));
    });
    try {
      const s = open(address, PATH, { "qmi-context": "tester" });
      const sent = [Buffer.alloc(0), Buffer.from("hello"), Buffer.alloc(3 * 1024 * 1024, 7), Buffer.from("after the big one")];
      for (const m of sent) s.stream.write([m]);
      await s.received(sent.length);
      assert.equal(s.accepted(), true);
      assert.deepEqual(s.messages, sent);
      assert.equal(seenMetadata?.get("qmi-context")[0], "tester");
      s.stream.write([Buffer.from([0xff])]);
      const status = await s.ended;
      assert.equal(status.code, Status.ABORTED);
      assert.equal(status.details, "asked to stop: ok");
    } finally {
      server.forceShutdown();
    }
  });

  it("reports the trailers' metadata, a refused call before acceptance, and a message over the limit", async () => {
    const { address, server } = await echoServer((call) => {
      call.sendMetadata(new Metadata());
      call.on("data", (m: Buffer) => {
        if (m.toString() === "big") return call.write(Buffer.alloc(64 * 1024));
        const trailer = new Metadata();
        trailer.set("qmi-error", "LockedError");
        call.emit("error", { code: Status.FAILED_PRECONDITION, details: "locked", metadata: trailer });
      });
    });
    try {
      const failing = open(address);
      failing.stream.write([Buffer.from("x")]);
      const status = await failing.ended;
      assert.equal(status.code, Status.FAILED_PRECONDITION);
      assert.equal(status.metadata.get("qmi-error")[0], "LockedError");

      const unknown = open(address, "/no.Such/Method");
      assert.equal((await unknown.ended).code, Status.UNIMPLEMENTED);
      assert.equal(unknown.accepted(), false);

      const limited = open(address, PATH, {}, { ...INSECURE, maxMessageBytes: 1024 });
      limited.stream.write([Buffer.from("big")]);
      const tooBig = await limited.ended;
      assert.equal(tooBig.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(limited.messages.length, 0);
    } finally {
      server.forceShutdown();
    }
  });

  it("ends with UNAVAILABLE when the server goes away or cannot be reached, and CANCELLED when cancelled", async () => {
    const { address, server } = await echoServer((call) => call.sendMetadata(new Metadata()));
    const s = open(address);
    await new Promise<void>((resolve) => {
      const poll = () => (s.accepted() ? resolve() : setTimeout(poll, 5));
      poll();
    });
    server.forceShutdown();
    assert.equal((await s.ended).code, Status.UNAVAILABLE);
    assert.equal((await open(address).ended).code, Status.UNAVAILABLE, "nothing listens there any more");

    const again = await echoServer((call) => call.sendMetadata(new Metadata()));
    try {
      const c = open(again.address);
      c.stream.cancel();
      assert.equal((await c.ended).code, Status.CANCELLED);
    } finally {
      again.server.forceShutdown();
    }
  });

  it("ends with UNAVAILABLE when the peer's process stops answering (keepalive pings), and not before", async () => {
    // A server in another process, so that it can be frozen (SIGSTOP): its socket stays open but nothing answers.
    const server = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { Server, ServerCredentials, Metadata } from "@grpc/grpc-js";
         const id = (b) => b;
         const s = new Server();
         s.addService({ Chat: { path: "${PATH}", requestStream: true, responseStream: true, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
           { Chat: (call) => { call.sendMetadata(new Metadata()); call.on("data", (m) => call.write(m)); } });
         s.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) => console.log("PORT " + port));`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const port = await new Promise<string>((resolve) => server.stdout!.on("data", (d: Buffer) => /PORT (\d+)/.test(String(d)) && resolve(/PORT (\d+)/.exec(String(d))![1]!)));
      const s = open(`127.0.0.1:${port}`, PATH, {}, INSECURE, { interval: 0.1, timeout: 0.3 });
      s.stream.write([Buffer.from("ping")]);
      await s.received(1);
      await new Promise((resolve) => setTimeout(resolve, 500)); // several pings answered: still open
      s.stream.write([Buffer.from("still there")]);
      await s.received(2);
      server.kill("SIGSTOP");
      const status = await s.ended;
      assert.equal(status.code, Status.UNAVAILABLE);
      assert.match(status.details, /did not answer a keepalive ping/);
    } finally {
      server.kill("SIGKILL");
    }
  });
});
