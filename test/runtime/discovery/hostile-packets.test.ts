/**
 * One UDP packet must not hang a lab: hostile discovery queries and answers, sent with `dgram` on loopback to a
 * discovery port of the test's own, against real contexts (one in its own process, so that a context pinned by
 * a query cannot stall the test that checks it).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionError, Context, InvalidArgumentError, type QmiConfig } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { discoverContexts, MAX_DISCOVERED } from "../../../runtime/discovery/discover-contexts.ts";
import { DiscoveryResponder } from "../../../runtime/discovery/discovery-responder.ts";
import { decodePacket, encodePacket, MAX_TEXT_BYTES, type DiscoveryPacket } from "../../../runtime/discovery/packet.ts";
import { discoveryScope, LOOPBACK_BROADCAST } from "../../../runtime/discovery/scope.ts";
import { startChild, type Child } from "../../helpers/child-context.ts";
import { freeUdpPort } from "../../helpers/free-port.ts";
import { withinSeconds } from "../../helpers/within.ts";

/** A UDP socket on 127.0.0.1 that may broadcast, collecting the packets it receives. */
async function rawSocket(): Promise<{ socket: Socket; received: { data: Buffer; port: number }[]; send(data: Buffer, port: number, to?: string): Promise<void> }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  socket.setBroadcast(true);
  const received: { data: Buffer; port: number }[] = [];
  socket.on("message", (data, from) => received.push({ data, port: from.port }));
  const send = (data: Buffer, port: number, to = LOOPBACK_BROADCAST) =>
    new Promise<void>((resolve, reject) => socket.send(data, port, to, (error) => (error ? reject(error) : resolve())));
  return { socket, received, send };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const query = (workgroup: string, contextName: string, id = 1): Buffer =>
  encodePacket({ type: "query", requestId: Buffer.alloc(8, id), workgroup, contextName });

describe("discovery under hostile packets", () => {
  let dir: string;
  let port: number;
  const children: Child[] = [];
  const contexts: Context[] = [];
  const config = (workgroup: string): QmiConfig => ({ workgroup, discovery: { port, timeout: 0.3 } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qmi-hostile-"));
    port = await freeUdpPort();
  });
  after(async () => {
    for (const child of children) child.kill();
    for (const context of contexts) await context.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps answering calls and discovery after queries with pathological wildcard patterns", async () => {
    const workgroup = `wg_hostile_${process.pid}`;
    const path = join(dir, "victim.conf");
    writeFileSync(path, JSON.stringify(config(workgroup)));
    const victim = startChild("test/fixtures/discoverable-server.ts", ["redos_victim", path]);
    children.push(victim);
    await victim.waitForLine(/^LISTENING (\d+)$/, 60);
    // The asker does not answer discovery itself: this process must not be pinned by the queries it checks.
    const asker = await Context.start("redos_asker", { config: { ...config(workgroup), discovery: { enabled: false, port, timeout: 0.3 } } });
    contexts.push(asker);

    const attacker = await rawSocket();
    try {
      // The longest patterns a packet holds: with a backtracking RegExp the first one alone never finishes.
      const longest = "*".repeat(MAX_TEXT_BYTES - 1) + "x";
      const patterns = [longest, "*a".repeat(MAX_TEXT_BYTES / 2 - 1) + "b", "*?".repeat(MAX_TEXT_BYTES / 2), "*".repeat(MAX_TEXT_BYTES)];
      for (const pattern of patterns) {
        await attacker.send(query(pattern, "*"), port);
        await attacker.send(query("*", pattern), port);
        await attacker.send(query(workgroup, longest), port);
      }
      const found = await withinSeconds(asker.discoverPeerContexts(), 10, "discovery after the hostile queries");
      assert.deepEqual(found.map((ctx) => ctx.name), ["redos_victim"]);
      await asker.connectToPeer("redos_victim", { address: found[0]!.address });
      const nsg = await asker.getInstrument("redos_victim.nsg", NoisySineGeneratorProxy);
      assert.equal(await withinSeconds(nsg.isOpen(), 10, "a call to the victim"), false);
      // It answered the two queries whose patterns match it (the all-star ones), and only those.
      await sleep(200);
      const answers = attacker.received.map(({ data }) => decodePacket(data)).filter((p) => p?.type === "answer");
      assert.deepEqual(answers.map((p) => p.type === "answer" && p.name), ["redos_victim", "redos_victim"]);
    } finally {
      attacker.socket.close();
    }
    victim.process.kill("SIGTERM");
    await victim.waitForLine(/^STOPPED SIGTERM$/);
  });

  it("bounds the answers a flood of queries draws, and answers again once it has passed", async () => {
    const workgroup = `wg_storm_${process.pid}`;
    const target = await Context.start("storm_target", { config: config(workgroup) });
    contexts.push(target);
    const asker = await Context.start("storm_asker", { config: { ...config(workgroup), discovery: { enabled: false, port, timeout: 0.3 } } });
    contexts.push(asker);
    const attacker = await rawSocket();
    const started = performance.now();
    try {
      for (let i = 0; i < 400; i++) await attacker.send(query(workgroup, "*", i & 255), port);
      await sleep(300);
      const seconds = (performance.now() - started) / 1000;
      const answers = attacker.received.filter(({ data }) => decodePacket(data)?.type === "answer").length;
      // 40 at once, then 20 a second, per source address.
      assert.ok(answers >= 1 && answers <= 40 + Math.ceil(20 * seconds), `${answers} answers to 400 queries in ${seconds.toFixed(2)} s`);
    } finally {
      attacker.socket.close();
    }
    await sleep(500);
    const found = await withinSeconds(asker.discoverPeerContexts(), 10, "discovery after the flood");
    assert.deepEqual(found.map((ctx) => ctx.name), ["storm_target"]);
  });

  it("does not answer for a context whose identity does not fit in an answer (it used to throw on each query)", async () => {
    const name = "n".repeat(MAX_TEXT_BYTES + 1);
    await assert.rejects(
      DiscoveryResponder.start({ name, workgroup: "lab", host: "127.0.0.1", port: 40001 }, discoveryScope("127.0.0.1"), port),
      (error: unknown) => error instanceof ConnectionError && /at most 128 UTF-8 bytes/.test(error.message),
    );
    const context = await Context.start(name, { config: config(`wg_long_${process.pid}`) });
    contexts.push(context);
    const attacker = await rawSocket();
    try {
      await attacker.send(query("*", "*"), port);
      await sleep(200);
      const names = attacker.received.map(({ data }) => decodePacket(data)).map((p) => p?.type === "answer" && p.name);
      assert.ok(!names.includes(name), JSON.stringify(names));
      assert.deepEqual(context.peers(), []); // still running, and no unhandled rejection failed this test file
    } finally {
      attacker.socket.close();
    }
  });

  it("uses only well-formed answers, at most MAX_DISCOVERED of them, whatever a forger sends", async () => {
    const fakePort = await freeUdpPort();
    const forger = createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve) => forger.bind(fakePort, LOOPBACK_BROADCAST, resolve));
    const send = (packet: DiscoveryPacket | Buffer, to: number) =>
      new Promise<void>((resolve) => forger.send(Buffer.isBuffer(packet) ? packet : encodePacket(packet), to, "127.0.0.1", () => resolve()));
    let answered = false;
    forger.on("message", (data, from) => {
      const asked = decodePacket(data);
      if (asked?.type !== "query" || answered) return;
      answered = true;
      const answer = { type: "answer" as const, requestId: asked.requestId, workgroup: "lab", host: "", port: 40001, pid: 7 };
      void (async () => {
        const hostile: (DiscoveryPacket | Buffer)[] = [
          { ...answer, name: "evil\u001b[2J\u001b[31m" },
          { ...answer, name: "ok_name", workgroup: "lab\n evil_row 10.6.6.6:1 no" },
          { ...answer, name: "ok_name", host: "10.6.6.6:80/x" },
          { ...answer, name: "ok_name", host: "0.0.0.0" },
          { ...answer, name: "wrong_id", requestId: Buffer.alloc(8, 0xee) },
          Buffer.alloc(4000, 0x51),
          Buffer.concat([encodePacket({ ...answer, name: "padded" }), Buffer.alloc(1)]),
        ];
        for (const packet of hostile) await send(packet, from.port);
        // More well-formed answers than a discovery keeps, paced so that loopback drops none.
        for (let i = 0; i < MAX_DISCOVERED + 40; i++) {
          await send({ ...answer, name: `forged_${i}`, port: 1024 + i }, from.port);
          if (i % 16 === 15) await sleep(2);
        }
      })();
    });
    try {
      await assert.rejects(
        discoverContexts({ scope: discoveryScope("127.0.0.1"), port: fakePort, workgroup: "*".repeat(MAX_TEXT_BYTES + 1) }),
        (error: unknown) => error instanceof InvalidArgumentError && /workgroup pattern has 129 UTF-8 bytes/.test(error.message),
      );
      for (const timeout of [1e9, 61, 0, -1, Number.NaN, Infinity]) {
        await assert.rejects(
          discoverContexts({ scope: discoveryScope("127.0.0.1"), port: fakePort, workgroup: "*", timeout }),
          (error: unknown) => error instanceof InvalidArgumentError && /Bad discovery timeout .*at most 60/.test(error.message),
          `timeout ${timeout}`,
        );
      }
      assert.equal(answered, false);
      const found = await discoverContexts({ scope: discoveryScope("127.0.0.1"), port: fakePort, workgroup: "*", timeout: 1.5 });
      assert.equal(found.length, MAX_DISCOVERED);
      for (const ctx of found) {
        assert.match(ctx.name, /^forged_\d+$/);
        assert.match(ctx.address, /^127\.0\.0\.1:\d+$/);
      }
    } finally {
      forger.close();
    }
  });
});
