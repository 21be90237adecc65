/**
 * Signals: in-process and remote subscriptions (remote ones over the batched `qmi.core.Signals` stream and over the
 * generated `Subscribe<Signal>` stream), several subscribers, the receiver's discard policies with exact sequence
 * numbers, a burst delivered complete, a burst the client cannot keep up with (gaps, bounded memory), unknown names,
 * a removed publisher, a stopped context, a killed peer (and resubscribing when it returns), raw grpc-js clients on
 * both streams, and the fallback to `Subscribe<Signal>` when a peer does not serve `qmi.core.Signals`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, Server, ServerCredentials, type ServiceError } from "@grpc/grpc-js";
import { loadSync, type MethodDefinition } from "@grpc/proto-loader";
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
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { objectService } from "../../runtime/server/object-service.ts";
import { implementationOf } from "../../runtime/server/served-service.ts";
import { IDL_ROOT, loadCallService, loadService } from "../../runtime/protocol/proto-files.ts";
import { STREAM_BACKLOG } from "../../runtime/server/signal-stream.ts";
import { SIGNAL_BATCH } from "../../runtime/server/signals-service.ts";
import { StreamTracker } from "../../runtime/server/stream-tracker.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { freeTcpPort } from "../helpers/free-port.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE, SIGNALS_PROTO, SIGNALS_SERVICE } from "../../runtime/protocol/core-services.ts";
import { type SignalBatch } from "../../runtime/protocol/signal-events.ts";

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

  it("keeps the newest signals in order through 10^5 drops, and the end of a subscription queued among them", async () => {
    const receiver = new SignalReceiver<number>({ maxQueueLength: 1000, discardPolicy: "dropOldest" });
    const offer = (n: number) => receiver.push({ publisherContext: "c", publisherName: "o", signalName: "s", args: n });
    receiver.attach();
    receiver.attach();
    for (let n = 1; n <= 5000; n++) offer(n);
    receiver.end(new SubscriptionEndedError("the first subscription ended"));
    for (let n = 5001; n <= 105_000; n++) offer(n);
    assert.deepEqual([receiver.queueLength, receiver.droppedCount, receiver.offeredCount], [1000, 104_000, 105_000]);
    // Signals are dropped, the end of a subscription never is: it comes first, then the newest 1000 in order.
    await assert.rejects(receiver.getNextSignal(0), /the first subscription ended/);
    const kept = await take(receiver, 1000);
    assert.deepEqual(kept.map((s) => s.args), Array.from({ length: 1000 }, (_, i) => 104_001 + i));
    assert.ok(kept.every((s) => s.receiverSeqnr === s.args));
    offer(1);
    receiver.end(new SubscriptionEndedError("the second subscription ended"));
    offer(2);
    receiver.discardAll();
    assert.equal(receiver.queueLength, 0);
    await assert.rejects(receiver.getNextSignal(0), /the second subscription ended/, "discardAll keeps the end");
    await assert.rejects(receiver.getNextSignal(0.01), DeadlineError);
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

/** Publishes `count` samples `{ t: from + i, value: i }` on the server's `nsg` in one event-loop turn. */
function publishSamples(server: Context, count: number, from = 0): void {
  const nsg = server.objects.get("nsg")!.instance as NoisySineGenerator;
  for (let i = 0; i < count; i++) nsg.sampleTaken.publish({ t: from + i, value: i });
}

// `channel` subscribes over the batched `qmi.core.Signals` stream, `unary` over the generated `Subscribe<Signal>`.
for (const callPath of CALL_PATHS) describe(`remote signals over the ${callPath} path (two contexts, real gRPC)`, () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start(`sig_server_${callPath}`, { config: null });
    client = await Context.start(`sig_client_${callPath}`, { config: null });
    await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
    await client.connectToPeer(server.name, { address: server.address, callPath });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("streams to several remote and local subscribers with publisher context, name and sequence", async () => {
    const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
    const local = await server.getInstrument(`${server.name}.nsg`, NoisySineGenerator);
    const r1 = new SignalReceiver<{ t: number; value: number }>();
    const r2 = new SignalReceiver<{ t: number; value: number }>();
    const r3 = new SignalReceiver<{ t: number; value: number }>();
    const subs = [await remote.subscribe("sampleTaken", r1), await remote.subscribe("sampleTaken", r2), await local.subscribe("sampleTaken", r3)];
    const values = [await local.getSample(), await local.getSample(), await local.getSample()];
    for (const r of [r1, r2, r3]) {
      const got = await take(r, 3);
      assert.deepEqual(got.map((s) => s.args.value), values);
      assert.deepEqual(got.map((s) => s.receiverSeqnr), [1, 2, 3]);
      assert.deepEqual([got[0]!.publisherContext, got[0]!.publisherName, got[0]!.signalName], [server.name, "nsg", "sampleTaken"]);
    }
    for (const s of subs) s.unsubscribe();
    assert.equal(await subs[0]!.ended, undefined);
  });

  it("refuses an unknown signal or object clearly", async () => {
    const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
    await assert.rejects(remote.subscribe("nope", new SignalReceiver()), /has no signal nope/);
  });

  it("ends the remote subscription when the publisher is removed", async () => {
    await (await server.makeInstrument("nsg_tmp", NoisySineGenerator)).open();
    const remote = await client.getInstrument(`${server.name}.nsg_tmp`, NoisySineGeneratorProxy);
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
    const local = await server.getInstrument(`${server.name}.nsg`, NoisySineGenerator);
    const a = await local.getSample();
    const b = await local.getSample();
    await done;
    stream.cancel();
    raw.close();
    assert.deepEqual(events.map((e) => (e.value as { value: number }).value), [a, b]);
    assert.deepEqual(events.map((e) => [e.publisher_context, e.publisher_name, e.signal_name, e.sequence]), [
      [server.name, "nsg", "sampleTaken", "1"],
      [server.name, "nsg", "sampleTaken", "2"],
    ]);
  });

  it("delivers a burst of 5000 publishes complete and in order when the client keeps up", async () => {
    const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
    const receiver = new SignalReceiver<{ t: number; value: number }>();
    const sub = await remote.subscribe("sampleTaken", receiver);
    const got: ReceivedSignal<{ t: number; value: number }>[] = [];
    // Bursts of 500 publishes in one event-loop turn each (inside the server's bounds), the next once these arrived.
    for (let from = 0; from < 5000; from += 500) {
      publishSamples(server, 500, from);
      got.push(...(await take(receiver, 500)));
    }
    sub.unsubscribe();
    assert.deepEqual(got.map((s) => s.args.t), Array.from({ length: 5000 }, (_, i) => i));
    assert.deepEqual(got.map((s) => s.receiverSeqnr), Array.from({ length: 5000 }, (_, i) => i + 1));
    assert.equal(receiver.droppedCount, 0);
  });

  it("drops the oldest events the client cannot keep up with, as gaps the receiver counts; memory stays bounded", async () => {
    const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
    const receiver = new SignalReceiver<{ t: number; value: number }>({ maxQueueLength: 100_000 });
    const sub = await remote.subscribe("sampleTaken", receiver);
    // 20000 publishes in one event-loop turn: nothing reaches the client meanwhile, so the server keeps what its
    // bounds allow (the first events in flight, the newest waiting) and drops the rest.
    publishSamples(server, 20_000);
    const got: ReceivedSignal<{ t: number; value: number }>[] = [];
    while (got.at(-1)?.args.t !== 19_999) got.push(await receiver.getNextSignal(5));
    sub.unsubscribe();
    assert.equal(receiver.offeredCount, 20_000);
    assert.equal(receiver.droppedCount, 20_000 - got.length);
    assert.ok(got.length <= 2 * STREAM_BACKLOG + SIGNAL_BATCH, `${got.length} events were held for the client`);
    // Each event's receiver sequence number is its publish number: the gaps are exactly the dropped events.
    assert.ok(got.every((s) => s.receiverSeqnr === s.args.t + 1));
  });
});

describe("qmi.core.Signals (batched signal streams)", () => {
  let server: Context;
  before(async () => {
    server = await Context.start("sig_batch_server", { config: null });
    await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
  });
  after(async () => {
    await server.stop();
  });

  const options = { includeDirs: [IDL_ROOT], keepCase: true, longs: String, defaults: true };
  const subscribe = () => (loadSync(SIGNALS_PROTO, options)[SIGNALS_SERVICE] as Record<string, MethodDefinition<object, SignalBatch>>).Subscribe!;

  /** Subscribes a raw grpc-js client with `request`, publishes `count` samples, returns the batches received. */
  async function rawBatches(request: object, count: number): Promise<SignalBatch[]> {
    const method = subscribe();
    const raw = new Client(server.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("qmi-object", "nsg");
    const stream = raw.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata, {});
    const batches: SignalBatch[] = [];
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (batch: SignalBatch) => {
        batches.push(batch);
        if ((received += batch.events.length) === count) resolve();
      });
      stream.on("error", (error: ServiceError) => (error.code === 1 ? undefined : reject(error)));
    });
    await new Promise((resolve) => stream.once("metadata", resolve));
    publishSamples(server, count);
    await done;
    stream.cancel();
    raw.close();
    return batches;
  }

  it("carries a burst in a few messages, each event the generated SampleTakenEvent with only its value", async () => {
    const nsgService = loadSync(NoisySineGeneratorService.protoFile, options)[NoisySineGeneratorService.protoService] as Record<string, MethodDefinition<object, { value: object }>>;
    const event = nsgService.SubscribeSampleTaken!.responseDeserialize;
    const batches = await rawBatches({ signal_name: "sampleTaken" }, 300);
    assert.deepEqual(batches.map((b) => [b.publisher_context, b.publisher_name, b.signal_name, b.first_sequence, b.events.length]), [
      [server.name, "nsg", "sampleTaken", "1", SIGNAL_BATCH],
      [server.name, "nsg", "sampleTaken", String(SIGNAL_BATCH + 1), 300 - SIGNAL_BATCH],
    ]);
    assert.deepEqual(event(batches[0]!.events[0]!), { value: { t: 0, value: 0 }, publisher_context: "", publisher_name: "", signal_name: "", sequence: "0" });
    assert.deepEqual(event(batches[1]!.events.at(-1)!).value, { t: 299, value: 299 });
  });

  it("keeps each batch within the largest message the client accepts", async () => {
    const batches = await rawBatches({ signal_name: "sampleTaken", max_message_bytes: 1024 }, 300);
    const sizes = batches.map((batch) => subscribe().responseSerialize(batch).length);
    assert.ok(sizes.every((size) => size <= 1024), `batch sizes ${sizes.join(", ")}`);
    assert.ok(sizes.length > 1 && sizes.length < 300, `${sizes.length} batches`);
    assert.equal(Number(batches[0]!.first_sequence), 1);
  });

  it("falls back to Subscribe<Signal> when the peer answers UNIMPLEMENTED", async () => {
    // A peer serving only qmi.core.Context and the generated service, as a context of an older qmi-ts would.
    const older = new Server();
    const answer = (make: () => object) => (_call: unknown, callback: (error: null, response: object) => void) => callback(null, make());
    older.addService(loadService(CONTEXT_PROTO, CONTEXT_SERVICE), { Describe: answer(() => server.describe()), Ping: answer(() => server.ping()) });
    older.addService(
      loadCallService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService),
      implementationOf(objectService(server, NoisySineGeneratorService, new StreamTracker())),
    );
    const port = await new Promise<number>((resolve, reject) =>
      older.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = await Context.start("sig_batch_client", { config: null });
    try {
      await client.connectToPeer(server.name, { address: `127.0.0.1:${port}`, callPath: "channel" });
      const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
      const receiver = new SignalReceiver<{ t: number; value: number }>();
      const sub = await remote.subscribe("sampleTaken", receiver);
      publishSamples(server, 3);
      const got = await take(receiver, 3);
      assert.deepEqual(got.map((s) => [s.args.t, s.receiverSeqnr]), [[0, 1], [1, 2], [2, 3]]);
      sub.unsubscribe();
    } finally {
      await client.stop();
      older.forceShutdown();
    }
  });
  it("ends a subscription whose peer sends an event that does not decode, without harm to the process", async () => {
    // A hostile peer: answers Describe as the real server does, then sends one batch holding a garbage event.
    const hostile = new Server();
    const answer = (make: () => object) => (_call: unknown, callback: (error: null, response: object) => void) => callback(null, make());
    hostile.addService(loadService(CONTEXT_PROTO, CONTEXT_SERVICE), { Describe: answer(() => server.describe()), Ping: answer(() => server.ping()) });
    hostile.addService(loadService(SIGNALS_PROTO, SIGNALS_SERVICE), {
      Subscribe: (call: { sendMetadata(m: Metadata): void; write(batch: object): boolean }) => {
        call.sendMetadata(new Metadata());
        call.write({ publisher_context: server.name, publisher_name: "nsg", signal_name: "sampleTaken", first_sequence: 1, events: [Buffer.from([0x09, 0x01])] });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      hostile.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = await Context.start("sig_hostile_client", { config: null });
    try {
      await client.connectToPeer(server.name, { address: `127.0.0.1:${port}`, callPath: "channel" });
      const remote = await client.getInstrument(`${server.name}.nsg`, NoisySineGeneratorProxy);
      const sub = await remote.subscribe("sampleTaken", new SignalReceiver<{ t: number; value: number }>());
      const error = await sub.ended;
      assert.ok(error instanceof SubscriptionEndedError, String(error));
      assert.match(error.message, /sent an event that does not decode/);
    } finally {
      await client.stop();
      hostile.forceShutdown();
    }
  });
});

for (const callPath of CALL_PATHS) describe(`remote signals from another process over the ${callPath} path`, () => {
  let child: Child | undefined;
  after(() => child?.kill());

  it("ends when the peer is killed and resubscribes when it returns; a stopping context ends streams", async () => {
    const port = await freeTcpPort();
    child = startChild("test/fixtures/signal-server.ts", ["sig_child", "--port", String(port), "--every", "10"]);
    await child.waitForLine(/^LISTENING/);
    const client = await Context.start(`sig_client2_${callPath}`, { config: null });
    try {
      await client.connectToPeer("sig_child", { address: `127.0.0.1:${port}`, callPath });
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
