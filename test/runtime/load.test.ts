/**
 * Load tests on loopback, bounded in count and time: many clients in several processes against one server
 * process, and a signal flood to slow subscribers.
 *
 * Default size (for `npm test`): 100 clients in 4 processes (two on each call path) × 72 calls. `QMI_LOAD_FULL=1`: 100 clients × 1,000
 * calls (the size). `QMI_LOAD_CALLS=<n>` sets the calls per client.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { Context, SignalReceiver, type ReceivedSignal } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";

const FULL = process.env.QMI_LOAD_FULL === "1";
const CLIENTS = 100;
const PROCESSES = 4;
const OBJECTS = 10;
const CALLS = Number(process.env.QMI_LOAD_CALLS ?? (FULL ? 1000 : 72));
const FLOOD = FULL ? 200_000 : 30_000;
/** Seconds the clients may take, all together. */
const LOAD_SECONDS = FULL ? 600 : 90;

interface ClientResult {
  issued: number;
  answered: number;
  ok: number;
  refusedLocked: number;
  unexpected: number;
  orderViolations: number;
  lockViolations: number;
  verifiedPairs: number;
  rounds: number;
  seconds: number;
  errors: string[];
}

describe(`load (loopback, ${FULL ? "full size" : "scaled down; QMI_LOAD_FULL=1 for the issue's size"})`, () => {
  let server: Child;
  let address: string;
  before(async () => {
    server = startChild("test/fixtures/load-server.ts", ["load_server", String(OBJECTS)]);
    address = `127.0.0.1:${(await server.waitForLine(/^LISTENING (\d+)/, 30))[1]}`;
  });
  after(async () => {
    server.process.kill("SIGTERM");
    await server.waitForExit(10).catch(() => server.kill());
  });

  it(`answers ${CLIENTS} concurrent clients in ${PROCESSES} processes × ${CALLS} calls exactly once, in order, within locks`, async (t) => {
    const perProcess = CLIENTS / PROCESSES;
    // Half the processes call over the qmi.core.Channel stream, half with unary RPCs: both paths at once.
    const children = Array.from({ length: PROCESSES }, (_, p) =>
      startChild(
        "test/fixtures/load-client.ts",
        [`load_client_${p}`, address, String(p * perProcess), String(perProcess), String(CALLS), String(OBJECTS)],
        { QMI_CALL_PATH: p % 2 === 0 ? "channel" : "unary" },
      ),
    );
    try {
      await Promise.all(children.map((c) => c.waitForLine(/^READY/, 60)));
      for (const child of children) child.process.stdin!.write("GO\n");
      const results = await Promise.all(
        children.map(async (c) => JSON.parse((await c.waitForLine(/^RESULT (.*)$/, LOAD_SECONDS))[1]!) as ClientResult),
      );
      const sum = (key: keyof Omit<ClientResult, "errors" | "seconds">) => results.reduce((total, r) => total + r[key], 0);
      const figures = {
        calls: sum("issued"),
        answered: sum("answered"),
        ok: sum("ok"),
        refusedByLock: sum("refusedLocked"),
        unexpected: sum("unexpected"),
        verifiedPairs: sum("verifiedPairs"),
        lockRounds: sum("rounds"),
        orderViolations: sum("orderViolations"),
        lockViolations: sum("lockViolations"),
        slowestProcessSeconds: Math.max(...results.map((r) => r.seconds)),
      };
      t.diagnostic(`load figures: ${JSON.stringify(figures)}`);
      assert.deepEqual(results.flatMap((r) => r.errors), []);
      assert.equal(figures.calls, CLIENTS * CALLS, "every client made all its calls");
      assert.equal(figures.answered, figures.calls, "every call answered exactly once");
      assert.equal(figures.unexpected, 0);
      assert.equal(figures.lockViolations, 0, "no call of a non-holder ran while the lock was held");
      assert.equal(figures.orderViolations, 0, "pipelined calls of one proxy ran in order");
      assert.ok(figures.verifiedPairs > 0 && figures.lockRounds > 0);
      assert.ok(figures.refusedByLock > 0, "intruders met held locks (and were refused)");
      await Promise.all(children.map((c) => c.waitForExit(30)));
    } finally {
      for (const child of children) child.kill();
    }
  });

  it(`floods slow subscribers with ${FLOOD} signals: bounded queues, drops per policy and counted, nothing else lost`, async (t) => {
    const client = await Context.start("flood_client", { config: { discovery: { enabled: false } } });
    const definition = loadService("qmi/drivers/dummy/noisy_sine_generator.proto", "qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator");
    const subscribe = definition.SubscribeSampleTaken!;
    const raw = new Client(address, credentials.createInsecure());
    try {
      await client.connectToPeer("load_server", { address });
      const nsg = await client.getInstrument("load_server.nsg0", NoisySineGeneratorProxy);
      const oldest = new SignalReceiver<{ t: number; value: number }>({ maxQueueLength: 50, discardPolicy: "dropOldest" });
      const newest = new SignalReceiver<{ t: number; value: number }>({ maxQueueLength: 50, discardPolicy: "dropNewest" });
      await nsg.subscribe("sampleTaken", oldest);
      await nsg.subscribe("sampleTaken", newest);
      // A subscriber that reads nothing during the flood: HTTP/2 flow control holds the server's writes back.
      const metadata = new Metadata();
      metadata.set("qmi-object", "nsg0");
      const slow = raw.makeServerStreamRequest(subscribe.path, subscribe.requestSerialize, subscribe.responseDeserialize, {}, metadata, {});
      slow.on("error", (error: ServiceError) => (error.code === 1 ? undefined : t.diagnostic(`slow stream: ${error.message}`)));
      await new Promise((resolve) => slow.once("metadata", resolve));
      slow.pause();

      server.process.stdin!.write(`FLOOD ${FLOOD}\n`);
      const [, , heapBefore, heapAfter] = (await server.waitForLine(/^FLOODED (\d+) HEAP (\d+) (\d+)/, 120)).map(Number);
      const deadline = Date.now() + 60_000;
      while ((oldest.offeredCount < FLOOD || newest.offeredCount < FLOOD) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The slow subscriber now reads what the server kept for it; the stream's sequence shows every gap.
      const sequences: number[] = [];
      slow.on("data", (event: { sequence: string }) => sequences.push(Number(event.sequence)));
      slow.resume();
      while (sequences.at(-1) !== FLOOD && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      slow.cancel();

      const drain = async (receiver: SignalReceiver<{ t: number; value: number }>) => {
        const kept: ReceivedSignal<{ t: number; value: number }>[] = [];
        while (receiver.hasSignalReady()) kept.push(await receiver.getNextSignal(0));
        return kept.map((s) => s.receiverSeqnr);
      };
      const figures = {
        published: FLOOD,
        dropOldest: { offered: oldest.offeredCount, queued: oldest.queueLength, dropped: oldest.droppedCount },
        dropNewest: { offered: newest.offeredCount, queued: newest.queueLength, dropped: newest.droppedCount },
        slowStream: { received: sequences.length, droppedByServer: FLOOD - sequences.length },
        serverHeapMiB: { before: +(heapBefore! / 2 ** 20).toFixed(1), after: +(heapAfter! / 2 ** 20).toFixed(1) },
      };
      t.diagnostic(`flood figures: ${JSON.stringify(figures)}`);
      for (const receiver of [oldest, newest]) {
        assert.equal(receiver.offeredCount, FLOOD, "every published signal reached the receiver or was counted as dropped");
        assert.equal(receiver.queueLength, 50, "the queue stays at its bound");
        assert.equal(receiver.droppedCount, FLOOD - 50, "every drop is counted");
      }
      const keptOldest = await drain(oldest);
      const keptNewest = await drain(newest);
      assert.deepEqual(keptOldest, Array.from({ length: 50 }, (_, i) => FLOOD - 49 + i), "dropOldest keeps the newest");
      assert.ok(keptNewest.every((seqnr, i) => i === 0 || seqnr > keptNewest[i - 1]!), "dropNewest keeps arrival order");
      assert.ok(keptNewest.at(-1)! < FLOOD, "dropNewest dropped the latest");
      assert.equal(sequences.at(-1), FLOOD, "the slow stream ends with the newest event (the server drops the oldest)");
      assert.ok(sequences.every((s, i) => i === 0 || s > sequences[i - 1]!), "no event twice or out of order");
      assert.ok(sequences.length < FLOOD, "the server dropped events for the slow subscriber instead of buffering them all");
      assert.ok(heapAfter! - heapBefore! < 64 * 2 ** 20, "the server's heap stays bounded");
      assert.equal(await nsg.getAmplitude(), await nsg.getAmplitude(), "calls still work after the flood");
    } finally {
      raw.close();
      await client.stop();
    }
  });
});
