import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { Context, LockedError, InvalidArgumentError } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { IDL_ROOT } from "../../runtime/protocol/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";

const isLockedError = (e: unknown) => e instanceof LockedError && e.message === "The object is locked by another proxy";

/** The tutorial's "Locking an instrument" lines, through two proxies made by `getProxy`. */
async function tutorialScenario(getProxy: () => Promise<NoisySineGeneratorProxy>) {
  const nsg1 = await getProxy();
  const nsg2 = await getProxy();
  await nsg1.open();
  assert.equal(await nsg1.lock(), true);
  assert.equal(await nsg1.isLocked(), true);
  assert.equal(await nsg2.isLocked(), true);
  assert.equal(typeof (await nsg1.getSample()), "number");
  await assert.rejects(nsg2.getSample(), isLockedError);
  assert.equal(await nsg1.unlock(), true);
  assert.equal(typeof (await nsg1.getSample()), "number");
  assert.equal(typeof (await nsg2.getSample()), "number");

  assert.equal(await nsg1.lock({ lockToken: "youcanunlocktoo" }), true);
  assert.equal(typeof (await nsg1.getSample()), "number"); // the holder carries its custom token
  assert.equal(await nsg2.unlock(), false);
  assert.equal(await nsg2.unlock({ lockToken: "youcanunlocktoo" }), true);
  assert.equal(await nsg2.isLocked(), false);

  assert.equal(await nsg1.lock(), true);
  assert.equal(await nsg1.lock(), true, "a second lock() by the holder is granted again");
  await nsg2.forceUnlock();
  assert.equal(await nsg2.isLocked(), false);
  assert.equal(await nsg1.unlock(), false, "nothing left to unlock after forceUnlock");
  await nsg1.close();
}

for (const callPath of CALL_PATHS) describe(`locks in one process (remote proxies over the ${callPath} path)`, () => {
  let ctx: Context;
  before(async () => {
    ctx = await Context.start("lock_demo", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
  });
  after(async () => ctx.stop());

  it("follows the tutorial with in-process proxies", async () => {
    await tutorialScenario(() => ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy));
  });

  it("follows the tutorial with proxies of another context over gRPC", async () => {
    const client = await Context.start("client", { config: null });
    try {
      await client.connectToPeer("lock_demo", { address: ctx.address, callPath });
      await tutorialScenario(() => client.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy));
      // Unlock from another context, naming the context and token of the holder.
      const nsg1 = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
      assert.equal(await nsg1.lock({ lockToken: "youcanunlocktoo" }), true);
      const nsg3 = await client.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
      assert.equal(await nsg3.unlock({ lockToken: "youcanunlocktoo" }), false, "the token alone is not enough from another context");
      assert.equal(await nsg3.unlock({ contextName: "lock_demo", lockToken: "youcanunlocktoo" }), true);
      assert.equal(await nsg1.isLocked(), false);
    } finally {
      await client.stop();
    }
  });

  it("waits up to the lock timeout: granted when released in time, refused when not", async () => {
    const holder = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
    const waiter = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
    assert.equal(await holder.lock(), true);
    const started = Date.now();
    assert.equal(await waiter.lock({ timeout: 0.2 }), false);
    assert.ok(Date.now() - started >= 190, "kept trying for the whole timeout");
    assert.equal(await waiter.lock(), false, "timeout 0 answers at once");
    const pending = waiter.lock({ timeout: 10 });
    setTimeout(() => void holder.unlock(), 100);
    assert.equal(await pending, true);
    assert.equal(await waiter.unlock(), true);
    await assert.rejects(waiter.lock({ timeout: -1 }), InvalidArgumentError);
  });

  it("ends a leased lock when the holder's context disconnects, not before", async () => {
    const client = await Context.start("lessee", { config: null });
    try {
      await client.connectToPeer("lock_demo", { address: ctx.address, callPath });
      const leased = await client.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
      const local = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
      assert.equal(await leased.lock({ lease: true }), true);
      assert.equal(await local.lock(), false);
      assert.equal(await leased.isOpen(), false, "the holder's calls run");
      assert.equal(await leased.unlock(), true);
      assert.equal(await leased.lock({ lease: true }), true, "a lease serves several locks");
      const waiter = local.lock({ timeout: 10 });
      client.disconnectFromPeer("lock_demo");
      assert.equal(await waiter, true, "granted once the lease ended");
      assert.equal(await local.unlock(), true);
    } finally {
      await client.stop();
    }
  });

  it("refuses a Lock call naming an unknown lease", async () => {
    const raw = new Client(ctx.address, credentials.createInsecure());
    const def = loadSync("qmi/core/lock.proto", { includeDirs: [IDL_ROOT], keepCase: true, defaults: true });
    const lock = (def["qmi.core.Lock"] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>).Lock!;
    const md = new Metadata();
    md.set("qmi-object", "nsg");
    md.set("qmi-lock-token", "t");
    md.set("qmi-lease", "no-such-lease");
    const error = await new Promise<ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(lock.path, lock.requestSerialize, lock.responseDeserialize, {}, md, { deadline: Date.now() + 5000 }, (e) => resolve(e)),
    );
    raw.close();
    assert.equal(error?.code, Status.NOT_FOUND);
    assert.match(error!.details, /no open lease no-such-lease/);
  });

  it("judges calls in arrival order against locks", async () => {
    const slow = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
    const locker = await ctx.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
    await slow.open();
    // Queued before the lock: runs. Queued after it: refused.
    const before = slow.wait(0.05);
    const lock = locker.lock();
    const after = slow.getSample();
    await before;
    assert.equal(await lock, true);
    await assert.rejects(after, isLockedError);
    assert.equal(await locker.unlock(), true);
    await slow.close();
  });
});

describe("locks against raw gRPC clients with hand-set metadata", () => {
  let ctx: Context;
  before(async () => {
    ctx = await Context.start("lock_raw", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
  });
  after(async () => ctx.stop());

  function raw(protoFile: string, service: string, method: string, request: object, metadata: Record<string, string>) {
    const def = loadSync(protoFile, { includeDirs: [IDL_ROOT], keepCase: true, longs: String, defaults: true });
    const m = (def[service] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>)[method]!;
    const client = new Client(ctx.address, credentials.createInsecure());
    const md = new Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    return new Promise<{ error: ServiceError | null; response?: Record<string, unknown> }>((resolve) =>
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, md, { deadline: Date.now() + 5000 }, (error, response) => {
        client.close();
        resolve({ error, response: response as Record<string, unknown> | undefined });
      }),
    );
  }
  const NSG = ["qmi/drivers/dummy/noisy_sine_generator.proto", "qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator"] as const;
  const LOCK = ["qmi/core/lock.proto", "qmi.core.Lock"] as const;

  it("refuses calls without the token and serves them with it", async () => {
    const holder = { "qmi-object": "nsg", "qmi-context": "python_client", "qmi-lock-token": "secret-42" };
    assert.equal((await raw(...LOCK, "Lock", {}, holder)).response?.granted, true);
    const stranger = await raw(...NSG, "IsOpen", {}, { "qmi-object": "nsg" });
    assert.equal(stranger.error?.code, Status.FAILED_PRECONDITION);
    assert.equal(stranger.error?.details, "The object is locked by another proxy");
    assert.equal(stranger.error?.metadata.get("qmi-error")[0], "LockedError");
    const sameTokenOtherContext = await raw(...NSG, "IsOpen", {}, { ...holder, "qmi-context": "someone_else" });
    assert.equal(sameTokenOtherContext.error?.code, Status.FAILED_PRECONDITION);
    assert.equal((await raw(...NSG, "IsOpen", {}, holder)).response?.value, false);
    assert.equal((await raw(...LOCK, "IsLocked", {}, { "qmi-object": "nsg" })).response?.locked, true);
    const proxy = await ctx.getInstrument("lock_raw.nsg", NoisySineGeneratorProxy);
    await assert.rejects(proxy.isOpen(), isLockedError);
    assert.equal((await raw(...LOCK, "Unlock", {}, { ...holder, "qmi-lock-token": "wrong" })).response?.released, false);
    assert.equal((await raw(...LOCK, "Unlock", {}, holder)).response?.released, true);
    assert.equal(await proxy.isOpen(), false);
    const noToken = await raw(...LOCK, "Lock", {}, { "qmi-object": "nsg" });
    assert.equal(noToken.error?.code, Status.INVALID_ARGUMENT);
    assert.match(noToken.error!.details, /needs a lock token/);
    const noObject = await raw(...LOCK, "IsLocked", {}, { "qmi-object": "ghost" });
    assert.equal(noObject.error?.code, Status.NOT_FOUND);
  });
});

for (const callPath of CALL_PATHS) describe(`locks across processes (over the ${callPath} path)`, () => {
  it("follows the tutorial against a lock_demo context in another process, and logs the warnings there", async () => {
    const server = startChild("test/fixtures/nsg-server.ts", ["lock_demo"]);
    const client = await Context.start("client", { config: null });
    try {
      const port = Number((await server.waitForLine(/^LISTENING (\d+)$/, 30))[1]);
      await client.connectToPeer("lock_demo", { address: `127.0.0.1:${port}`, callPath });
      await tutorialScenario(() => client.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy));
      await client.requestPeerShutdown("lock_demo", "done");
      assert.equal(await server.waitForExit(20), 0);
      assert.match(server.output(), /WARNING.*Unlock request for lock_demo\.nsg from client failed/);
      assert.match(server.output(), /WARNING.*lock_demo\.nsg forcefully unlocked/);
    } finally {
      await client.stop();
      server.kill();
    }
  });

  it("does not let a context restarted under the same name inherit its predecessor's lock", async () => {
    const server = await Context.start("lock_server", { config: null });
    await server.makeInstrument("nsg", NoisySineGenerator);
    try {
      const first = startChild("test/fixtures/lock-racer.ts", ["restarted", server.address, "1"]);
      await first.waitForLine(/^READY$/, 30);
      first.process.stdin!.write("GO\n");
      assert.deepEqual(JSON.parse((await first.waitForLine(/^RESULT (.*)$/, 20))[1]!), { won: [0] });
      first.kill(); // dies holding the lock
      await first.waitForExit(20);

      const second = startChild("test/fixtures/lock-racer.ts", ["restarted", server.address, "1"]);
      await second.waitForLine(/^READY$/, 30);
      second.process.stdin!.write("GO\n");
      assert.deepEqual(JSON.parse((await second.waitForLine(/^RESULT (.*)$/, 20))[1]!), { won: [] });
      second.process.stdin!.write("HAMMER\n");
      assert.deepEqual((await second.waitForLine(/^REFUSED (\d+) OF (\d+)$/, 20)).slice(1), ["3", "3"]);
      second.process.stdin!.write("EXIT\n");
      assert.equal(await second.waitForExit(20), 0);
    } finally {
      await server.stop();
    }
  });

  it("releases a leased lock when its holder's process dies, and keeps an unleased one", async () => {
    const server = await Context.start("lock_server", { config: null });
    const nsg = await server.makeInstrument("nsg", NoisySineGenerator);
    try {
      const holder = startChild("test/fixtures/lock-racer.ts", ["leaser", server.address, "1", "lease"]);
      await holder.waitForLine(/^READY$/, 30);
      holder.process.stdin!.write("GO\n");
      assert.deepEqual(JSON.parse((await holder.waitForLine(/^RESULT (.*)$/, 20))[1]!), { won: [0] });
      assert.equal(await nsg.isLocked(), true);
      assert.equal(server.leases.size, 1);
      holder.kill();
      await holder.waitForExit(20);
      const until = Date.now() + 15_000;
      while ((await nsg.isLocked()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await nsg.isLocked(), false, "the lease ended with the process");
      assert.equal(server.leases.size, 0);
    } finally {
      await server.stop();
    }
  });

  it("lets exactly one of 50 racing proxies in three contexts and two processes win, and no loser call run", async () => {
    const server = await Context.start("lock_server", { config: null });
    const local = await Context.start("racer_local", { config: null });
    let racer: Child | undefined;
    try {
      const nsg = await server.makeInstrument("nsg", NoisySineGenerator);
      await nsg.open();
      racer = startChild("test/fixtures/lock-racer.ts", ["racer_child", server.address, "25"]);
      await local.connectToPeer("lock_server", { address: server.address, callPath });
      const localProxies: NoisySineGeneratorProxy[] = [];
      for (let i = 0; i < 10; i++) localProxies.push(await server.getInstrument("lock_server.nsg", NoisySineGeneratorProxy));
      for (let i = 0; i < 15; i++) localProxies.push(await local.getInstrument("lock_server.nsg", NoisySineGeneratorProxy));
      await racer.waitForLine(/^READY$/, 30);

      racer.process.stdin!.write("GO\n");
      const localGranted = await Promise.all(localProxies.map((p) => p.lock()));
      const childWon = (JSON.parse((await racer.waitForLine(/^RESULT (.*)$/, 20))[1]!) as { won: number[] }).won;
      const localWon = localGranted.flatMap((g, i) => (g ? [i] : []));
      assert.equal(localWon.length + childWon.length, 1, `winners: local ${localWon}, child ${childWon}`);

      const localWinner = localWon.length === 1 ? localProxies[localWon[0]!]! : undefined;
      if (localWinner) await localWinner.setAmplitude(4242);
      else {
        racer.process.stdin!.write("HOLD\n");
        await racer.waitForLine(/^HOLDING$/, 20);
      }
      racer.process.stdin!.write("HAMMER\n");
      const losers = localProxies.filter((p) => p !== localWinner);
      const outcomes = await Promise.allSettled(losers.flatMap((p) => [p.setAmplitude(1), p.getSample(), p.setAmplitude(2)]));
      assert.ok(outcomes.every((o) => o.status === "rejected" && isLockedError(o.reason)), "every local loser call refused");
      const [, refused, total] = await racer.waitForLine(/^REFUSED (\d+) OF (\d+)$/, 20);
      assert.equal(refused, total, "every child loser call refused");
      assert.equal(Number(total), (childWon.length === 1 ? 24 : 25) * 3);
      if (localWinner) {
        assert.equal(await localWinner.getAmplitude(), 4242, "no loser call ran while the lock was held");
        assert.equal(await localWinner.unlock(), true);
      } else {
        racer.process.stdin!.write("RELEASE\n");
        assert.equal((await racer.waitForLine(/^AMPLITUDE (\S+)$/, 20))[1], "4242");
        assert.equal((await racer.waitForLine(/^RELEASED (\S+)$/, 20))[1], "true");
      }
      assert.equal(await nsg.isLocked(), false);
      racer.process.stdin!.write("EXIT\n");
      assert.equal(await racer.waitForExit(20), 0);
    } finally {
      racer?.kill();
      await local.stop();
      await server.stop();
    }
  });
});
