import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, Metadata, Server, ServerCredentials, credentials, status as Status } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { CancelledError, Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { ChannelClient } from "../../runtime/channel-client.ts";
import { CHANNEL_PROTO, CHANNEL_SERVICE } from "../../runtime/channel-service.ts";
import { loadService } from "../../runtime/proto-files.ts";

type Answer = { id: number; code: number; message: string; error_class: string; response: Buffer };

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

  it("answers bad messages one by one and keeps the stream serving", async () => {
    const open = loadService(CHANNEL_PROTO, CHANNEL_SERVICE).Open as MethodDefinition<object, Answer>;
    const raw = new Client(server.address, credentials.createInsecure());
    const stream = raw.makeBidiStreamRequest(open.path, open.requestSerialize, open.responseDeserialize, new Metadata(), { deadline: Infinity });
    const answers = new Map<number, Answer>();
    const waiting = new Map<number, (a: Answer) => void>();
    stream.on("data", (a: Answer) => (waiting.get(a.id) ?? ((x: Answer) => answers.set(x.id, x)))(a));
    stream.on("error", () => undefined);
    const ask = (message: { id: number } & Record<string, unknown>) =>
      new Promise<Answer>((resolve) => {
        waiting.set(message.id, resolve);
        stream.write(message);
      });
    const isOpen = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService).IsOpen!;
    try {
      const unknown = await ask({ id: 1, path: "/no.Such/Method", request: Buffer.alloc(0) });
      assert.equal(unknown.code, Status.UNIMPLEMENTED);
      const garbage = await ask({ id: 2, path: isOpen.path, request: Buffer.from([0xff, 0xff, 0xff, 0xff]), object: "nsg" });
      assert.equal(garbage.code, Status.INVALID_ARGUMENT);
      assert.equal(garbage.error_class, "InvalidArgumentError");
      const ghost = await ask({ id: 3, path: isOpen.path, request: Buffer.alloc(0), object: "ghost" });
      assert.equal(ghost.code, Status.NOT_FOUND);
      assert.equal(ghost.error_class, "UnknownNameError");
      const fine = await ask({ id: 4, path: isOpen.path, request: Buffer.alloc(0), object: "nsg", timeout_ms: 5000 });
      assert.equal(fine.code, Status.OK);
      assert.equal((isOpen.responseDeserialize(fine.response) as { value: boolean }).value, false);
    } finally {
      stream.cancel();
      raw.close();
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

  it("reports a peer without the service, so that calls take the unary path", async () => {
    const bare = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      bare.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const raw = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const channel = new ChannelClient(raw, () => new Metadata(), "bare");
      assert.equal(await channel.ready(), false);
      assert.equal(channel.ready(), false, "remembered");
    } finally {
      raw.close();
      bare.forceShutdown();
    }
  });
});
