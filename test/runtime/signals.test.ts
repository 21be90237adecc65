/**
 * Signals: in-process and remote subscriptions, several subscribers, the receiver's discard policies with exact
 * sequence numbers, unknown names, a removed publisher, a stopped context, a killed peer (and resubscribing when
 * it returns), and a raw grpc-js client on `Subscribe<Signal>`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import {
  ConnectionError,
  Context,
  DeadlineError,
  Instrument,
  Signal,
  SignalReceiver,
  SubscriptionEndedError,
  UnknownNameError,
  signal,
  rpcMethod,
  type ReceivedSignal,
} from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { IDL_ROOT } from "../../runtime/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { freeTcpPort } from "../helpers/free-port.ts";

/** A publisher that is never generated: in-process use only. */
class Counter extends Instrument {
  @signal readonly counted = new Signal<number>();
  /** Publishes 1..n. */
  @rpcMethod({ requiresOpen: false })
  async count(n: number): Promise<void> {
    for (let i = 1; i <= n; i++) this.counted.publish(i);
  }
}

async function take<T>(receiver: SignalReceiver<T>, n: number, timeout = 5): Promise<ReceivedSignal<T>[]> {
  const out: ReceivedSignal<T>[] = [];
  for (let i = 0; i < n; i++) out.push(await receiver.getNextSignal(timeout));
  return out;
}

describe("SignalReceiver", () => {
  it("drops the oldest signals when full, counting them in the sequence numbers", async () => {
    const context = await Context.start("sig_local", { config: null });
    try {
      const counter = await context.makeInstrument("counter", Counter);
      const receiver = new SignalReceiver<number>({ maxQueueLength: 3, discardPolicy: "dropOldest" });
      await counter.subscribe("counted", receiver);
      await counter.count(5);
      assert.equal(receiver.queueLength, 3);
      assert.ok(receiver.hasSignalReady());
      const got = await take(receiver, 3);
      assert.deepEqual(got.map((s) => [s.args, s.receiverSeqnr]), [[3, 3], [4, 4], [5, 5]]);
      assert.deepEqual([got[0]!.publisherContext, got[0]!.publisherName, got[0]!.signalName], ["sig_local", "counter", "counted"]);
      assert.equal(receiver.hasSignalReady(), false);
      await assert.rejects(receiver.getNextSignal(0.02), DeadlineError);
    } finally {
      await context.stop();
    }
  });

  it("drops the newest signals when full, and discardAll empties the queue", async () => {
    const context = await Context.start("sig_local2", { config: null });
    try {
      const counter = await context.makeInstrument("counter", Counter);
      const receiver = new SignalReceiver<number>({ maxQueueLength: 3, discardPolicy: "dropNewest" });
      await counter.subscribe("counted", receiver);
      await counter.count(5);
      assert.deepEqual((await take(receiver, 3)).map((s) => [s.args, s.receiverSeqnr]), [[1, 1], [2, 2], [3, 3]]);
      await counter.count(2);
      assert.deepEqual((await take(receiver, 1)).map((s) => [s.args, s.receiverSeqnr]), [[1, 6]]);
      await counter.count(2);
      assert.equal(receiver.queueLength, 3);
      receiver.discardAll();
      assert.equal(receiver.queueLength, 0);
    } finally {
      await context.stop();
    }
  });

  it("delivers to several local subscribers, and ends visibly when the publisher is removed", async () => {
    const context = await Context.start("sig_local3", { config: null });
    try {
      const counter = await context.makeInstrument("counter", Counter);
      const a = new SignalReceiver<number>();
      const b = new SignalReceiver<number>();
      await counter.subscribe("counted", a);
      const subB = await counter.subscribe("counted", b);
      await counter.count(2);
      assert.deepEqual((await take(a, 2)).map((s) => s.args), [1, 2]);
      assert.deepEqual((await take(b, 2)).map((s) => s.args), [1, 2]);
      await assert.rejects(counter.subscribe("nope", a), UnknownNameError);
      await context.removeInstrument("counter");
      await assert.rejects(a.getNextSignal(1), SubscriptionEndedError);
      assert.ok((await subB.ended) instanceof SubscriptionEndedError);
      const seen: number[] = [];
      for await (const s of a) seen.push(s.args);
      assert.deepEqual(seen, []);
    } finally {
      await context.stop();
    }
  });
});

describe("remote signals (two contexts, real gRPC)", () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("sig_server", { config: null });
    client = await Context.start("sig_client", { config: null });
    await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
    await client.connectToPeer("sig_server", { address: server.address });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("streams to several remote and local subscribers with publisher context, name and sequence", async () => {
    const remote = await client.getInstrument("sig_server.nsg", NoisySineGeneratorProxy);
    const local = await server.getInstrument("sig_server.nsg", NoisySineGenerator);
    const r1 = new SignalReceiver<{ t: number; value: number }>();
    const r2 = new SignalReceiver<{ t: number; value: number }>();
    const r3 = new SignalReceiver<{ t: number; value: number }>();
    const subs = [await remote.subscribe("sampleTaken", r1), await remote.subscribe("sampleTaken", r2), await local.subscribe("sampleTaken", r3)];
    const values = [await local.getSample(), await local.getSample(), await local.getSample()];
    for (const r of [r1, r2, r3]) {
      const got = await take(r, 3);
      assert.deepEqual(got.map((s) => s.args.value), values);
      assert.deepEqual(got.map((s) => s.receiverSeqnr), [1, 2, 3]);
      assert.deepEqual([got[0]!.publisherContext, got[0]!.publisherName, got[0]!.signalName], ["sig_server", "nsg", "sampleTaken"]);
    }
    for (const s of subs) s.unsubscribe();
    assert.equal(await subs[0]!.ended, undefined);
  });

  it("refuses an unknown signal or object clearly", async () => {
    const remote = await client.getInstrument("sig_server.nsg", NoisySineGeneratorProxy);
    await assert.rejects(remote.subscribe("nope", new SignalReceiver()), /has no signal nope/);
  });

  it("ends the remote subscription when the publisher is removed", async () => {
    await (await server.makeInstrument("nsg_tmp", NoisySineGenerator)).open();
    const remote = await client.getInstrument("sig_server.nsg_tmp", NoisySineGeneratorProxy);
    const receiver = new SignalReceiver();
    const sub = await remote.subscribe("sampleTaken", receiver);
    await server.removeInstrument("nsg_tmp");
    const error = await sub.ended;
    assert.ok(error instanceof SubscriptionEndedError, String(error));
    assert.match(error.message, /nsg_tmp was removed/);
    await assert.rejects(receiver.getNextSignal(5), SubscriptionEndedError);
  });

  it("serves a raw grpc-js client on SubscribeSampleTaken", async () => {
    const definition = loadSync("qmi/drivers/dummy/noisy_sine_generator.proto", { includeDirs: [IDL_ROOT], keepCase: true, longs: String, defaults: true });
    const service = definition["qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator"] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>;
    const method = service.SubscribeSampleTaken!;
    const raw = new Client(server.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("qmi-object", "nsg");
    const stream = raw.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, {}, metadata, {});
    const events: Record<string, unknown>[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (event: Record<string, unknown>) => {
        events.push(event);
        if (events.length === 2) resolve();
      });
      stream.on("error", (error: ServiceError) => (error.code === 1 ? undefined : reject(error)));
    });
    await new Promise((resolve) => stream.once("metadata", resolve));
    const local = await server.getInstrument("sig_server.nsg", NoisySineGenerator);
    const a = await local.getSample();
    const b = await local.getSample();
    await done;
    stream.cancel();
    raw.close();
    assert.deepEqual(events.map((e) => (e.value as { value: number }).value), [a, b]);
    assert.deepEqual(events.map((e) => [e.publisher_context, e.publisher_name, e.signal_name, e.sequence]), [
      ["sig_server", "nsg", "sampleTaken", "1"],
      ["sig_server", "nsg", "sampleTaken", "2"],
    ]);
  });
});

describe("remote signals from another process", () => {
  let child: Child | undefined;
  after(() => child?.kill());

  it("ends when the peer is killed and resubscribes when it returns; a stopping context ends streams", async () => {
    const port = await freeTcpPort();
    child = startChild("test/fixtures/signal-server.ts", ["sig_child", "--port", String(port), "--every", "10"]);
    await child.waitForLine(/^LISTENING/);
    const client = await Context.start("sig_client2", { config: null });
    try {
      await client.connectToPeer("sig_child", { address: `127.0.0.1:${port}` });
      const nsg = await client.getInstrument("sig_child.nsg", NoisySineGeneratorProxy);
      const receiver = new SignalReceiver<{ t: number; value: number }>();
      const sub = await nsg.subscribe("sampleTaken", receiver);
      await take(receiver, 3);
      child.kill();
      const error = await sub.ended;
      assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${String(error)}`);
      receiver.discardAll();
      await assert.rejects(async () => {
        for (;;) await receiver.getNextSignal(5);
      }, ConnectionError);

      child = startChild("test/fixtures/signal-server.ts", ["sig_child", "--port", String(port), "--every", "10"]);
      await child.waitForLine(/^LISTENING/);
      let again;
      for (let attempt = 0; ; attempt++) {
        try {
          again = await nsg.subscribe("sampleTaken", receiver);
          break;
        } catch (e) {
          if (attempt > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok((await take(receiver, 2)).every((s) => s.publisherContext === "sig_child"));
      child.process.kill("SIGTERM");
      const ended = await again.ended;
      assert.ok(ended instanceof SubscriptionEndedError || ended instanceof ConnectionError, String(ended));
      await child.waitForExit();
    } finally {
      await client.stop();
    }
  });
});
