import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { Server, ServerCredentials, status as Status } from "@grpc/grpc-js";
import { CancelledError, ConnectionError, Context, ResourceExhaustedError } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { ChannelClient } from "../../runtime/client/channel-client.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { INSECURE } from "../../runtime/config/security-settings.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";
import { rawChannel } from "../helpers/raw-channel.ts";

describe("ChannelClient and qmi.core.Channel", () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("channel_server", { config: null });
    client = await Context.start("channel_client", { config: null });
    await server.makeInstrument("nsg", NoisySineGenerator);
    await client.connectToPeer("channel_server", { address: server.address, callPath: "channel" });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("answers bad calls one by one and keeps the stream serving", async () => {
    const isOpen = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService).IsOpen!;
    const channel = rawChannel(server.address);
    const ask = (message: { id: number } & Record<string, unknown>) => {
      channel.send({ calls: [message] });
      return channel.next(message.id);
    };
    try {
      const unknown = await ask({ id: 1, path: "/no.Such/Method", request: Buffer.alloc(0) });
      assert.equal(unknown.code, Status.UNIMPLEMENTED);
      const garbage = await ask({ id: 2, path: isOpen.path, request: Buffer.from([0xff, 0xff, 0xff, 0xff]), object: "nsg" });
      assert.equal(garbage.code, Status.INVALID_ARGUMENT);
      assert.equal(garbage.error_class, "InvalidArgumentError");
      const ghost = await ask({ id: 3, path: isOpen.path, request: Buffer.alloc(0), object: "ghost" });
      assert.equal(ghost.code, Status.NOT_FOUND);
      assert.equal(ghost.error_class, "UnknownNameError");
      channel.send(Buffer.from([0xff, 0xff, 0xff, 0xff])); // a batch that does not decode: dropped, stream kept
      const fine = await ask({ id: 4, path: isOpen.path, request: Buffer.alloc(0), object: "nsg", timeout_ms: 5000 });
      assert.equal(fine.code, Status.OK);
      assert.equal((isOpen.responseDeserialize(fine.response) as { value: boolean }).value, false);
    } finally {
      channel.close();
    }
  });

  it("runs the calls of one batch in order, answers each, and batches the answers", async () => {
    const rpcs = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService);
    const call = (id: number, rpc: string, request: object) => ({
      id,
      path: rpcs[rpc]!.path,
      request: rpcs[rpc]!.requestSerialize(request),
      object: "nsg",
      timeout_ms: 5000,
    });
    const channel = rawChannel(server.address);
    try {
      const opened = channel.next(1);
      channel.send({ calls: [call(1, "Open", {})] });
      assert.equal((await opened).code, Status.OK);
      // 50 calls in one message: set/get pairs (their order shows), and a bad argument in the middle.
      const calls = [];
      for (let i = 0; i < 24; i++) {
        calls.push(call(10 + 2 * i, "SetAmplitude", { amplitude: i }), call(11 + 2 * i, "GetAmplitude", {}));
      }
      calls.push(call(100, "SetAmplitude", { amplitude: -1 }), call(101, "GetAmplitude", {}));
      const before = channel.messages();
      channel.send({ calls });
      const answers = await Promise.all(calls.map((c) => channel.next(c.id)));
      for (let i = 0; i < 24; i++) {
        const got = answers[2 * i + 1]!;
        assert.equal(got.code, Status.OK);
        assert.equal((rpcs.GetAmplitude!.responseDeserialize(got.response) as { value: number }).value, i);
      }
      assert.equal(answers[48]!.code, Status.INVALID_ARGUMENT);
      assert.equal((rpcs.GetAmplitude!.responseDeserialize(answers[49]!.response) as { value: number }).value, 23);
      assert.ok(channel.messages() - before < calls.length, `answers came in ${channel.messages() - before} messages`);
      const closed = channel.next(2);
      channel.send({ calls: [call(2, "Close", {})] });
      assert.equal((await closed).code, Status.OK);
    } finally {
      channel.close();
    }
  });

  it("carries many calls in flight from proxies, each with its own answer", async () => {
    const nsg = await client.getInstrument("channel_server.nsg", NoisySineGeneratorProxy);
    const other = await client.getInstrument("channel_server.nsg", NoisySineGeneratorProxy);
    await nsg.open();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      await nsg.setNoise(0);
      const results = await Promise.allSettled(
        Array.from({ length: 300 }, (_, i) => (i % 3 === 2 ? other.setAmplitude(-i) : i % 3 === 1 ? nsg.getAmplitude() : nsg.setAmplitude(i))),
      );
      for (const [i, result] of results.entries()) {
        if (i % 3 === 2) assert.equal(result.status, "rejected", `call ${i}`);
        else if (i % 3 === 1) assert.deepEqual(result, { status: "fulfilled", value: i - 1 }, `call ${i}`);
        else assert.equal(result.status, "fulfilled", `call ${i}`);
      }
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.deepEqual(warnings.map((w) => w.message), [], "no MaxListenersExceededWarning for many calls in flight");
    } finally {
      process.off("warning", onWarning);
      await nsg.close();
    }
  });

  it("cancels a call by AbortSignal, and the channel goes on serving", async () => {
    const nsg = await client.getInstrument("channel_server.nsg", NoisySineGeneratorProxy);
    await nsg.open();
    try {
      const abort = new AbortController();
      const pending = nsg.wait(2, { signal: abort.signal });
      setTimeout(() => abort.abort(), 50);
      await assert.rejects(pending, CancelledError);
      await assert.rejects(nsg.wait(0, { signal: AbortSignal.abort() }), CancelledError);
      assert.equal(await nsg.isOpen(), true);
    } finally {
      await nsg.close();
    }
  });

  it("fails the calls in flight with a ConnectionError when the connection is closed", async () => {
    const other = await Context.start("channel_closer", { config: null });
    try {
      await other.connectToPeer("channel_server", { address: server.address, callPath: "channel" });
      const nsg = await other.getInstrument("channel_server.nsg", NoisySineGeneratorProxy);
      const opened = await nsg.isOpen(); // the channel is open
      const waiting = (opened ? Promise.resolve() : nsg.open()).then(() => nsg.wait(0.5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      other.disconnectFromPeer("channel_server");
      await assert.rejects(waiting, (e: unknown) => e instanceof ConnectionError && /closed/.test((e as Error).message));
    } finally {
      await other.stop();
      const nsg = await client.getInstrument("channel_server.nsg", NoisySineGeneratorProxy);
      if (await nsg.isOpen()) await nsg.close();
    }
  });

  it("gives up opening the channel on a peer that accepts TCP but never answers, so calls take the unary path", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)); // never speaks HTTP/2
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const channel = new ChannelClient(`127.0.0.1:${(silent.address() as AddressInfo).port}`, {}, INSECURE, "silent", 0.2);
      assert.equal(await channel.ready(), false); // without the open timeout, this waits as long as the socket lives
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("reports a peer without the service, so that calls take the unary path", async () => {
    const bare = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      bare.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    try {
      const channel = new ChannelClient(`127.0.0.1:${port}`, {}, INSECURE, "bare");
      assert.equal(await channel.ready(), false);
      assert.equal(channel.ready(), false, "remembered");
    } finally {
      bare.forceShutdown();
    }
  });
});

for (const callPath of CALL_PATHS) describe(`message limits (security.max_message_bytes) over the ${callPath} path`, () => {
  const quiet = { logging: { console_loglevel: "ERROR" } };
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("limit_server", { config: { ...quiet, security: { max_message_bytes: 8192 } } });
    client = await Context.start("limit_client", { config: { ...quiet, security: { max_message_bytes: 4096 } } });
    await (await server.makeInstrument("echo", EchoInstrument)).open();
    await client.connectToPeer("limit_server", { address: server.address, callPath });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("serves many calls in flight whose batch would exceed the server's limit", async () => {
    const echo = await client.getInstrument("limit_server.echo", EchoInstrument);
    const texts = Array.from({ length: 60 }, (_, i) => `call ${i} `.repeat(10));
    assert.deepEqual(await Promise.all(texts.map((text) => echo.echoString(text))), texts);
  });

  it(callPath === "unary" ? "fails only the call whose answer exceeds the caller's limit" : "carries an answer larger than the caller's limit in parts, between the other answers", async () => {
    const echo = await client.getInstrument("limit_server.echo", EchoInstrument);
    const values = Array.from({ length: 600 }, (_, i) => i + 0.5);
    const [big, list, small] = await Promise.allSettled([
      echo.echoBytes(new Uint8Array(3000)), // within both limits
      echo.echoList(values), // ≈ 4.8 kB each way: the server takes it, the client's limit is 4 kB
      echo.echoString("still fine"),
    ]);
    assert.deepEqual(big, { status: "fulfilled", value: new Uint8Array(3000) });
    if (callPath === "unary") {
      assert.equal(list.status, "rejected");
      const error = (list as PromiseRejectedResult).reason as Error;
      assert.ok(error instanceof ResourceExhaustedError, String(error));
      assert.match(error.message, /larger than max/);
    } else {
      assert.deepEqual(list, { status: "fulfilled", value: values }, "in parts of at most the client's 4 kB");
    }
    assert.deepEqual(small, { status: "fulfilled", value: "still fine" });
    assert.equal(await echo.echoString("and after"), "and after");
  });
});
