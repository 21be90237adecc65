/**
 * The call channel served on its HTTP/2 streams without grpc-js (`h2-exchange-stream.ts`), from a raw HTTP/2 client:
 * requests framed from chunks of any size, several per chunk or one across many; gzip and deflate requests; and the
 * refusals grpc-js made on this path, with its statuses and messages (a wrong token before anything is read, a
 * message over the limit, a request that does not inflate, an unsupported encoding, a content type that is not
 * gRPC). Every other path still goes to grpc-js.
 */
import assert from "node:assert/strict";
import { connect, createServer, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { after, before, describe, it } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import { status as Status } from "@grpc/grpc-js";
import { Context, type QmiConfig } from "qmi-ts";
import { EXCHANGE_PATH, decodeAnswers, encodeCalls, type ChannelAnswer } from "../../runtime/protocol/channel-codec.ts";
import { divertStreams } from "../../runtime/server/grpc-http2-server.ts";

const TOKEN = "h2-exchange-test-token-0123456789";
const quiet: QmiConfig = { logging: { console_loglevel: "ERROR" } };

/** What a raw Exchange stream got back: headers, trailers and the answers of its messages. */
interface Outcome {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  readonly answers: ChannelAnswer[];
}

/** A gRPC message: its 5-byte prefix and `bytes`. */
function framed(bytes: Buffer, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([prefix, bytes]);
}

/** A batch of Ping calls with ids `ids`. */
function pings(...ids: number[]): Buffer {
  return encodeCalls(ids.map((id) => ({ id, path: "/qmi.core.Context/Ping", request: new Uint8Array(0), timeout_ms: 5000 })));
}

/** Opens an Exchange stream with `headers`, writes `chunks` one by one, half-closes, and collects what comes back (5 s at most). */
function exchange(session: ClientHttp2Session, chunks: readonly Buffer[], headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no end of the stream within 5 s")), 5000);
    const stream = session.request({ ":method": "POST", ":path": EXCHANGE_PATH, "content-type": "application/grpc", te: "trailers", ...headers });
    let response: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    let body = Buffer.alloc(0);
    stream.on("response", (h) => (response = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (chunk: Buffer) => (body = Buffer.concat([body, chunk])));
    stream.on("error", reject);
    stream.on("close", () => {
      clearTimeout(timer);
      const answers: ChannelAnswer[] = [];
      for (let offset = 0; offset + 5 <= body.length; ) {
        const length = body.readUInt32BE(offset + 1);
        answers.push(...decodeAnswers(body.subarray(offset + 5, offset + 5 + length)));
        offset += 5 + length;
      }
      resolve({ headers: response, trailers, answers });
    });
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

/** The status of a stream: in its trailers, or in its headers for a trailers-only answer. */
function statusOf(outcome: Outcome): { code: number; message: string; errorClass: unknown } {
  const where = outcome.trailers["grpc-status"] !== undefined ? outcome.trailers : outcome.headers;
  return { code: Number(where["grpc-status"]), message: decodeURIComponent(String(where["grpc-message"] ?? "")), errorClass: where["qmi-error"] };
}

describe("the call channel served on HTTP/2 without grpc-js", () => {
  let context: Context;
  let secured: Context;
  let session: ClientHttp2Session;

  before(async () => {
    context = await Context.start("h2_exchange_server", { config: { ...quiet, security: { max_message_bytes: 64 * 1024 } } });
    secured = await Context.start("h2_exchange_secured", { config: { ...quiet, security: { token: TOKEN } } });
    session = connect(`http://127.0.0.1:${context.tcpServerPort}`);
  });

  after(async () => {
    session?.close();
    await context?.stop();
    await secured?.stop();
  });

  it("is how a context serves the channel", () => {
    assert.equal(context.channelOnHttp2, true);
    assert.equal(secured.channelOnHttp2, true);
  });

  it("answers messages split across many chunks, and several messages in one chunk", async () => {
    const whole = Buffer.concat([framed(pings(1, 2)), framed(pings(3))]);
    const bytewise = [...whole].map((byte) => Buffer.from([byte]));
    const outcome = await exchange(session, bytewise, { "qmi-context": "raw_client" });
    assert.equal(outcome.headers[":status"], 200);
    assert.match(String(outcome.headers["content-type"]), /^application\/grpc/);
    assert.equal(outcome.headers["qmi-max-message-bytes"], String(64 * 1024));
    assert.equal(statusOf(outcome).code, Status.OK);
    assert.deepEqual(outcome.answers.map((a) => a.id).sort(), [1, 2, 3]);
    assert.ok(outcome.answers.every((a) => (a.code ?? 0) === 0 && (a.response?.length ?? 0) > 0));
    const inOneChunk = await exchange(session, [whole]);
    assert.deepEqual(inOneChunk.answers.map((a) => a.id).sort(), [1, 2, 3]);
  });

  it("inflates gzip and deflate requests", async () => {
    const gzip = await exchange(session, [framed(gzipSync(pings(7)), true)], { "grpc-encoding": "gzip" });
    assert.deepEqual(gzip.answers.map((a) => a.id), [7]);
    const deflate = await exchange(session, [framed(deflateSync(pings(8)), true)], { "grpc-encoding": "deflate" });
    assert.deepEqual(deflate.answers.map((a) => a.id), [8]);
  });

  it("refuses what grpc-js refused on this path, with its statuses and messages, and goes on serving", async () => {
    const tooLarge = await exchange(session, [framed(Buffer.alloc(64 * 1024 + 1))]);
    assert.deepEqual(statusOf(tooLarge), { code: Status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${64 * 1024 + 1} vs ${64 * 1024})`, errorClass: undefined });
    const notGzip = await exchange(session, [framed(Buffer.from([0xde, 0xad, 0xbe, 0xef]), true)], { "grpc-encoding": "gzip" });
    assert.deepEqual(statusOf(notGzip), { code: Status.INTERNAL, message: "Failed to decompress message", errorClass: undefined });
    const bomb = await exchange(session, [framed(gzipSync(Buffer.alloc(1024 * 1024)), true)], { "grpc-encoding": "gzip" });
    assert.deepEqual(statusOf(bomb), { code: Status.RESOURCE_EXHAUSTED, message: `Received message that decompresses to a size larger than ${64 * 1024}`, errorClass: undefined });
    const snappy = await exchange(session, [framed(pings(9), true)], { "grpc-encoding": "snappy" });
    assert.deepEqual(statusOf(snappy), { code: Status.UNIMPLEMENTED, message: 'Received message compressed with unsupported encoding "snappy"', errorClass: undefined });
    const notGrpc = await exchange(session, [framed(pings(10))], { "content-type": "text/plain" });
    assert.equal(notGrpc.headers[":status"], 415);
    const fine = await exchange(session, [framed(pings(11))]);
    assert.deepEqual(fine.answers.map((a) => a.id), [11]);
  });

  it("refuses a stream without the token before reading it, trailers only, with the qmi-error trailer", async () => {
    const securedSession = connect(`http://127.0.0.1:${secured.tcpServerPort}`);
    try {
      const refused = await exchange(securedSession, [framed(pings(1))]);
      assert.equal(refused.trailers["grpc-status"], undefined, "trailers only");
      assert.equal(statusOf(refused).code, Status.UNAUTHENTICATED);
      assert.match(statusOf(refused).message, /requires a shared-secret token/);
      assert.equal(statusOf(refused).errorClass, "UnauthenticatedError");
      assert.deepEqual(refused.answers, []);
      const wrong = await exchange(securedSession, [framed(pings(2))], { "qmi-auth-token": "not-the-token-0123456789" });
      assert.match(statusOf(wrong).message, /does not match this context's token/);
      const admitted = await exchange(securedSession, [framed(pings(3))], { "qmi-auth-token": TOKEN });
      assert.deepEqual(admitted.answers.map((a) => a.id), [3]);
    } finally {
      securedSession.close();
    }
  });
});

describe("divertStreams", () => {
  it("serves POSTs of the path itself and hands every other stream to the listener it replaced, or changes nothing", async () => {
    const server = createServer();
    const seen: string[] = [];
    server.on("stream", function (this: unknown, stream, headers) {
      seen.push(`grpc-js ${headers[":method"]} ${headers[":path"]} ${this === server}`);
      stream.respond({ ":status": 200 }, { endStream: true });
    });
    assert.equal(
      divertStreams(server, "/diverted", (stream, headers) => {
        seen.push(`diverted ${headers[":method"]} ${headers[":path"]}`);
        stream.respond({ ":status": 204 }, { endStream: true });
      }),
      true,
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = connect(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    try {
      const status = (method: string, path: string) =>
        new Promise<number>((resolve, reject) => {
          const stream = client.request({ ":method": method, ":path": path });
          stream.on("response", (headers) => resolve(Number(headers[":status"])));
          stream.on("error", reject);
          stream.resume();
          stream.end();
        });
      assert.equal(await status("POST", "/diverted"), 204);
      assert.equal(await status("GET", "/diverted"), 200);
      assert.equal(await status("POST", "/other"), 200);
      assert.deepEqual(seen, ["diverted POST /diverted", "grpc-js GET /diverted true", "grpc-js POST /other true"]);
      // With a second listener the server is not what grpc-js made: nothing is changed.
      server.on("stream", () => undefined);
      assert.equal(divertStreams(server, "/x", () => undefined), false);
      assert.equal(server.listeners("stream").length, 2);
    } finally {
      client.close();
      server.close();
    }
  });
});
