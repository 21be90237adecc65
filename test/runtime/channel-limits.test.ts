import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { status as Status } from "@grpc/grpc-js";
import { Context } from "qmi-ts";
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import {
  CHANNEL_MAX_BATCH_CALLS,
  CHANNEL_MAX_CALLS_IN_FLIGHT,
  CHANNEL_MAX_CONTEXT_CALLS,
  ChannelCallBudget,
  MAX_CALLS_HEADER,
  announcedCallLimit,
  countBatchCalls,
} from "../../runtime/protocol/channel-limits.ts";
import { encodeCalls } from "../../runtime/protocol/channel-codec.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { residentBytes, until } from "../helpers/process-usage.ts";
import { rawChannel, type RawAnswer, type RawChannel } from "../helpers/raw-channel.ts";

const MiB = 1024 * 1024;
const rpcs = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService);

/** A `ChannelCall` of the generator's `rpc` on object `nsg`. */
function call(id: number, rpc: string, request: object = {}) {
  return { id, path: rpcs[rpc]!.path, request: rpcs[rpc]!.requestSerialize(request), object: "nsg" };
}

describe("countBatchCalls, announcedCallLimit and ChannelCallBudget", () => {
  it("counts the calls of a ChannelCalls message, stopping past the limit, and survives malformed bytes", () => {
    const batch = encodeCalls(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, path: "/a/B", request: Buffer.alloc(3) })));
    assert.equal(countBatchCalls(batch, 100), 10);
    assert.equal(countBatchCalls(batch, 4), 5, "counts no further than limit + 1");
    assert.equal(countBatchCalls(Buffer.alloc(0), 100), 0);
    assert.equal(countBatchCalls(Buffer.from([0x0a, 0x7f]), 100), 1, "a length past the end stops the count");
    assert.equal(countBatchCalls(Buffer.from([0xff, 0xff, 0xff]), 100), 0);
  });

  it("reads the announced limit, or none from a server that announced none", () => {
    assert.equal(announcedCallLimit(["1024"]), 1024);
    assert.equal(announcedCallLimit(undefined), Infinity);
    assert.equal(announcedCallLimit(["-3"]), Infinity);
    assert.equal(announcedCallLimit(["many"]), Infinity);
  });

  it("gives places up to its limit and takes them back", () => {
    const budget = new ChannelCallBudget(2);
    assert.equal(budget.take(), true);
    assert.equal(budget.take(), true);
    assert.equal(budget.take(), false);
    budget.give();
    assert.equal(budget.take(), true);
    assert.equal(budget.used, 2);
  });
});

describe("qmi.core.Channel bounds what one client can make a context hold", () => {
  let child: Child;
  let address: string;
  let pid: number;
  before(async () => {
    child = startChild("test/fixtures/nsg-server.ts", ["bounded_server"], { QMI_LOGLEVEL: "ERROR" });
    const [, port] = await child.waitForLine(/LISTENING (\d+)/);
    address = `127.0.0.1:${port}`;
    pid = child.process.pid!;
    const opener = rawChannel(address);
    try {
      opener.send({ calls: [call(1, "Open")] });
      assert.equal((await opener.next(1)).code, Status.OK);
    } finally {
      opener.close();
    }
  });
  after(async () => {
    child.process.kill("SIGTERM");
    await child.waitForExit(10).catch(() => child.kill());
  });

  /** Resolves with the generator's amplitude, read over a fresh stream. */
  async function amplitude(): Promise<number> {
    const reader = rawChannel(address);
    try {
      reader.send({ calls: [{ ...call(1, "GetAmplitude"), timeout_ms: 10_000 }] });
      const answer = await reader.next(1);
      assert.equal(answer.code, Status.OK, answer.message);
      return (rpcs.GetAmplitude!.responseDeserialize(answer.response) as { value: number }).value;
    } finally {
      reader.close();
    }
  }

  it("announces its limit of calls in flight per stream", async () => {
    const channel = rawChannel(address);
    try {
      channel.send({ calls: [call(1, "IsOpen")] });
      assert.deepEqual((await channel.headers()).get(MAX_CALLS_HEADER), [String(CHANNEL_MAX_CALLS_IN_FLIGHT)]);
    } finally {
      channel.close();
    }
  });

  it("ends a stream whose batch holds more calls than the limit, before building them, and serves other streams", async () => {
    const channel = rawChannel(address);
    try {
      const calls = 2_000_000; // empty ChannelCalls, 2 bytes each: 4 MB, within the default message limit
      const before = residentBytes(pid);
      channel.send(Buffer.alloc(2 * calls).fill(Buffer.from([0x0a, 0x00])));
      const ended = await channel.ended();
      assert.equal(ended.code, Status.RESOURCE_EXHAUSTED);
      assert.match(ended.details, new RegExp(`more than ${CHANNEL_MAX_BATCH_CALLS} calls`));
      const grown = residentBytes(pid) - before;
      assert.ok(grown < 64 * MiB, `the server grew by ${(grown / MiB).toFixed(1)} MiB (answering every call built ≈ 400 MiB)`);
      assert.equal(typeof (await amplitude()), "number");
    } finally {
      channel.close();
    }
  });

  it("answers calls beyond the stream's limit in flight RESOURCE_EXHAUSTED at once, without running them", async () => {
    const channel = rawChannel(address);
    try {
      channel.send({ calls: [call(1, "Wait", { duration: 1.5 }), call(2, "SetAmplitude", { amplitude: 0.5 })] });
      // Queued behind the wait, so all are in flight together: 2 + 1100 calls, of which the limit admits 1024.
      const ids = Array.from({ length: 1100 }, (_, i) => 10 + i);
      channel.send({ calls: ids.slice(0, 550).map((id) => call(id, "SetAmplitude", { amplitude: id })) });
      channel.send({ calls: ids.slice(550).map((id) => call(id, "SetAmplitude", { amplitude: id })) });
      const admitted = CHANNEL_MAX_CALLS_IN_FLIGHT - 2;
      const refused = ids.slice(admitted);
      await until(() => channel.answers().length >= refused.length, 10, "the refusals");
      assert.deepEqual(
        channel.answers().map((a) => a.id),
        refused,
        "the refusals come first, while the wait still runs",
      );
      for (const answer of channel.answers()) {
        assert.equal(answer.code, Status.RESOURCE_EXHAUSTED);
        assert.match(answer.message, /calls in flight, its limit/);
      }
      const done: RawAnswer[] = await Promise.all([1, 2, ...ids.slice(0, admitted)].map((id) => channel.next(id)));
      assert.deepEqual(done.filter((a) => a.code !== Status.OK), []);
      assert.equal(await amplitude(), ids[admitted - 1], "the refused calls did not run");
    } finally {
      channel.close();
    }
  });

  it("keeps all streams of the context together under its limit of calls in flight", async () => {
    const streams: RawChannel[] = [];
    const perStream = CHANNEL_MAX_CALLS_IN_FLIGHT;
    const count = Math.floor(CHANNEL_MAX_CONTEXT_CALLS / perStream) + 1;
    try {
      for (let s = 0; s < count; s++) streams.push(rawChannel(address));
      streams[0]!.send({ calls: [call(1, "Wait", { duration: 2 })] });
      for (const [s, channel] of streams.entries()) {
        const first = s === 0 ? 2 : 1;
        channel.send({ calls: Array.from({ length: perStream - first + 1 }, (_, i) => call(first + i, "GetAmplitude")) });
      }
      const total = count * perStream;
      const answered = () => streams.reduce((n, c) => n + c.answers().length, 0);
      await until(() => answered() === total, 30, `answers to all ${total} calls`);
      const refusals = streams.flatMap((c) => c.answers()).filter((a) => a.code === Status.RESOURCE_EXHAUSTED);
      assert.equal(refusals.length, total - CHANNEL_MAX_CONTEXT_CALLS);
      for (const refusal of refusals) assert.match(refusal.message, /The context has \d+ channel calls in flight, its limit/);
    } finally {
      for (const channel of streams) channel.close();
    }
  });

  it("stops reading a client that never reads its answers, holding bounded memory, and serves others", async () => {
    const channel = rawChannel(address, { read: false });
    try {
      const before = residentBytes(pid);
      // 6 000 000 calls to an unknown path, in batches the limit admits: each is answered at once (UNIMPLEMENTED).
      const batch = encodeCalls(Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, path: "/x/Y" })));
      for (let i = 0; i < 6000; i++) channel.send(batch);
      // The largest size over 6 s (answering all of them took the server 215 MiB in 3 s, and still growing).
      let grown = 0;
      for (let sample = 0; sample < 24; sample++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        grown = Math.max(grown, residentBytes(pid) - before);
      }
      assert.ok(grown < 192 * MiB, `the server grew by ${(grown / MiB).toFixed(1)} MiB`);
      assert.equal(typeof (await amplitude()), "number");
    } finally {
      channel.close();
    }
  });

  it("lets a qmi-ts client keep calls beyond the announced limit waiting on its side", async () => {
    const client = await Context.start("bounded_client", { config: null });
    try {
      await client.connectToPeer("bounded_server", { address, callPath: "channel" });
      const nsg = await client.getInstrument("bounded_server.nsg", NoisySineGeneratorProxy);
      const waited = nsg.wait(0.5);
      const results = await Promise.allSettled(Array.from({ length: 3 * CHANNEL_MAX_CALLS_IN_FLIGHT }, () => nsg.getAmplitude()));
      await waited;
      assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
    } finally {
      await client.stop();
    }
  });
});
