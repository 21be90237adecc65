/**
 * `qmi.core.Context/Describe` tells each object's lock state and the holder's context name, never its token: seen by
 * a raw gRPC client and through `Context.describePeer()`, which adds the peer's Ping.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ConnectionError, Context, UnknownNameError, type PeerObjectInfo } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { IDL_ROOT } from "../../runtime/protocol/proto-files.ts";
import { peerDescription } from "../../runtime/context/peer-description.ts";
import type { DescribeAnswer, PingAnswer } from "../../runtime/client/peer-connection.ts";
import { withinSeconds } from "../helpers/within.ts";

type RawMethod = { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object };

function rawMethods(protoFile: string, service: string): Record<string, RawMethod> {
  const def = loadSync(protoFile, { includeDirs: [IDL_ROOT], keepCase: true, defaults: true });
  return def[service] as unknown as Record<string, RawMethod>;
}

const CONTEXT = rawMethods("qmi/core/context.proto", "qmi.core.Context");
const LOCK = rawMethods("qmi/core/lock.proto", "qmi.core.Lock");

/** One unary call from a raw client with the metadata `entries`; resolves with the answer, rejects with the error. */
function rawCall(client: Client, method: RawMethod, request: object, entries: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return withinSeconds(
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata, { deadline: Date.now() + 5000 }, (e: ServiceError | null, answer) =>
        e ? reject(e) : resolve(answer as Record<string, unknown>),
      ),
    ),
    10,
    method.path,
  );
}

describe("Describe tells lock state (qmi.core.Context/Describe, Context.describePeer)", () => {
  const token = `secret-token-${Math.random().toString(36).slice(2)}`;
  let host: Context;
  let locker: Context;
  let watcher: Context;
  let raw: Client;
  let nsg: NoisySineGeneratorProxy;

  before(async () => {
    host = await Context.start("lock_host", { config: null });
    await host.makeInstrument("nsg", NoisySineGenerator);
    await host.makeInstrument("other", NoisySineGenerator);
    locker = await Context.start("locker", { config: null });
    await locker.connectToPeer("lock_host", { address: host.address });
    nsg = await locker.getInstrument("lock_host.nsg", NoisySineGeneratorProxy);
    watcher = await Context.start("watcher", { config: null });
    await watcher.connectToPeer("lock_host", { address: host.address });
    raw = new Client(host.address, credentials.createInsecure());
  });
  after(async () => {
    raw.close();
    await watcher.stop();
    await locker.stop();
    await host.stop();
  });

  const rawObject = async (name: string) => {
    const answer = await rawCall(raw, CONTEXT.Describe!, {});
    const objects = answer.objects as Record<string, unknown>[];
    return { answer, object: objects.find((o) => o.name === name)! };
  };
  const peerObject = async (name: string): Promise<PeerObjectInfo> => {
    const peer = await watcher.describePeer("lock_host");
    return peer.objects.find((o) => o.name === name)!;
  };

  it("a raw client sees the lock and its holder's context, never the token", async () => {
    const before = await rawObject("nsg");
    assert.equal(before.object.locked, false);
    assert.equal(before.object.locked_by, "");

    assert.equal(await nsg.lock({ lockToken: token }), true);
    try {
      const { answer, object } = await rawObject("nsg");
      assert.equal(object.locked, true);
      assert.equal(object.locked_by, "locker");
      assert.ok(!JSON.stringify(answer).includes(token), "the lock token appears nowhere in the answer");
      const other = (await rawObject("other")).object;
      assert.equal(other.locked, false, "only the locked object says so");
      assert.equal(other.locked_by, "");
    } finally {
      assert.equal(await nsg.unlock(), true);
    }
    const after = (await rawObject("nsg")).object;
    assert.equal(after.locked, false);
    assert.equal(after.locked_by, "");
  });

  it("a holder that sent no context name is told as locked by \"\"", async () => {
    const holder = { "qmi-object": "nsg", "qmi-lock-token": token };
    assert.equal((await rawCall(raw, LOCK.Lock!, {}, holder)).granted, true);
    try {
      const { answer, object } = await rawObject("nsg");
      assert.equal(object.locked, true);
      assert.equal(object.locked_by, "");
      assert.ok(!JSON.stringify(answer).includes(token));
      const seen = await peerObject("nsg");
      assert.equal(seen.locked, true);
      assert.equal(seen.lockedBy, "");
    } finally {
      assert.equal((await rawCall(raw, LOCK.Unlock!, {}, holder)).released, true);
    }
  });

  it("describePeer shows the peer, its uptime and the lock state; unlock and force unlock clear it", async () => {
    const peer = await watcher.describePeer("lock_host");
    assert.equal(peer.name, "lock_host");
    assert.ok(peer.version.length > 0, "a version");
    assert.equal(peer.workgroup, "default");
    assert.equal(peer.pid, process.pid);
    assert.ok(peer.uptimeSeconds > 0, `uptime ${peer.uptimeSeconds}`);
    assert.deepEqual(
      peer.objects.map((o) => [o.name, o.kind, o.className]),
      [
        ["nsg", "instrument", "NoisySineGenerator"],
        ["other", "instrument", "NoisySineGenerator"],
      ],
    );
    const info = peer.objects[0]!;
    assert.match(info.protoService, /NoisySineGenerator$/);
    assert.ok(info.methods.some((m) => m.name === "getSample" && m.rpcName === "GetSample" && m.signature.startsWith("getSample(")));
    assert.ok(info.signals.some((s) => s.name === "sampleTaken" && s.rpcName === "SubscribeSampleTaken"));
    assert.equal(info.locked, false);
    assert.equal(info.lockedBy, "");

    assert.equal(await nsg.lock({ lockToken: token }), true);
    const locked = await peerObject("nsg");
    assert.equal(locked.locked, true);
    assert.equal(locked.lockedBy, "locker");
    assert.ok(!JSON.stringify(await watcher.describePeer("lock_host")).includes(token));
    assert.equal(await nsg.unlock(), true);
    assert.deepEqual([(await peerObject("nsg")).locked, (await peerObject("nsg")).lockedBy], [false, ""]);

    assert.equal(await nsg.lock(), true);
    assert.equal((await peerObject("nsg")).lockedBy, "locker");
    await (await watcher.getInstrument("lock_host.nsg", NoisySineGeneratorProxy)).forceUnlock();
    const forced = await peerObject("nsg");
    assert.deepEqual([forced.locked, forced.lockedBy], [false, ""]);
    assert.equal(await nsg.unlock(), false, "nothing left to unlock");
  });

  it("a lock taken in the host's own process names the host", async () => {
    const local = await host.getInstrument("lock_host.nsg", NoisySineGeneratorProxy);
    assert.equal(await local.lock(), true);
    try {
      assert.equal((await peerObject("nsg")).lockedBy, "lock_host");
    } finally {
      assert.equal(await local.unlock(), true);
    }
  });

  it("rejects for a peer not connected", async () => {
    await assert.rejects(watcher.describePeer("no_such_peer"), UnknownNameError);
  });

  it("rejects, in bounded time, for a peer that has stopped", async () => {
    const shortLived = await Context.start("short_lived", { config: null });
    await watcher.connectToPeer("short_lived", { address: shortLived.address });
    assert.equal((await watcher.describePeer("short_lived")).name, "short_lived");
    await shortLived.stop();
    try {
      const error = await withinSeconds(
        watcher.describePeer("short_lived", { timeout: 2 }).then(
          () => undefined,
          (e: unknown) => e,
        ),
        10,
        "describePeer of a stopped peer",
      );
      assert.ok(error instanceof ConnectionError, `rejected with ${String(error)}`);
    } finally {
      watcher.disconnectFromPeer("short_lived");
    }
  });
});

describe("peerDescription (values from a hostile peer)", () => {
  it("reads missing lists as empty and values of the wrong type as empty ones, without throwing", () => {
    const hostile = {
      name: 42,
      version: null,
      pid: "1",
      objects: [
        null,
        "x",
        { name: ["a"], methods: "m", signals: [null, 7], constants: { length: 1 }, locked: "yes", locked_by: "someone" },
        { name: "ok", locked: true, locked_by: { token: "t" }, methods: [{ name: "f", rpc_name: 3 }] },
      ],
    } as unknown as DescribeAnswer;
    const described = peerDescription(hostile, { uptime_seconds: "NaN" } as unknown as PingAnswer);
    assert.equal(described.name, "");
    assert.equal(described.version, "");
    assert.equal(described.workgroup, "");
    assert.equal(described.pid, 0);
    assert.equal(described.uptimeSeconds, 0);
    assert.equal(described.objects.length, 4);
    assert.deepEqual(described.objects[0], {
      name: "",
      kind: "",
      className: "",
      protoService: "",
      doc: "",
      methods: [],
      signals: [],
      constants: [],
      locked: false,
      lockedBy: "",
    });
    const third = described.objects[2]!;
    assert.deepEqual([third.name, third.methods, third.constants, third.locked, third.lockedBy], ["", [], [], false, ""]);
    assert.deepEqual(third.signals, [
      { name: "", rpcName: "", doc: "" },
      { name: "", rpcName: "", doc: "" },
    ]);
    const fourth = described.objects[3]!;
    assert.deepEqual([fourth.name, fourth.locked, fourth.lockedBy], ["ok", true, ""]);
    assert.deepEqual(fourth.methods, [{ name: "f", rpcName: "", signature: "", doc: "" }]);
    assert.deepEqual(peerDescription(undefined as unknown as DescribeAnswer, null as unknown as PingAnswer).objects, []);
  });
});
