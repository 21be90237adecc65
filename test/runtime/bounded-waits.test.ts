/**
 * Every wait a client can ask for is bounded and sleeps: `qmi.core.Lock/Lock` timeouts (checked, waiters woken by
 * the release, counted per object and per connection), `qmi.core.Task/Join` without a deadline, and the timers
 * under them ({@link BoundedTimer}), against raw gRPC clients that send no deadline.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { Context, InvalidArgumentError, LoopTask, ResourceExhaustedError, Task } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { BoundedTimer, MAX_TIMER_MS } from "../../runtime/host/bounded-timer.ts";
import { MAX_LOCK_WAITERS_PER_CONNECTION } from "../../runtime/server/connection-waiters.ts";
import { MAX_LOCK_TIMEOUT, MAX_LOCK_WAITERS_PER_OBJECT } from "../../runtime/host/object-lock.ts";
import { IDL_ROOT } from "../../runtime/protocol/proto-files.ts";
import { MAX_JOIN_WAITERS } from "../../runtime/tasks/task-runner.ts";
import { MAX_JOIN_WAIT } from "../../runtime/server/task-service.ts";
import { CounterTask } from "../fixtures/tasks.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { cpuSeconds } from "../helpers/process-usage.ts";
import { withinSeconds } from "../helpers/within.ts";

interface UnaryMethod {
  readonly path: string;
  requestSerialize(value: object): Buffer;
  responseDeserialize(bytes: Buffer): object;
}

function methodsOf(protoFile: string, service: string): Record<string, UnaryMethod> {
  const definition = loadSync(protoFile, { includeDirs: [IDL_ROOT], keepCase: true, defaults: true });
  return definition[service] as unknown as Record<string, UnaryMethod>;
}

const LOCK = methodsOf("qmi/core/lock.proto", "qmi.core.Lock");
const TASK = methodsOf("qmi/core/task.proto", "qmi.core.Task");

/** How a raw call ended: its status, details and response. */
interface Outcome {
  readonly code: Status;
  readonly details: string;
  readonly response?: Record<string, unknown>;
}

/** A raw unary call; `deadlineMs` undefined sends none (the server's own bounds must answer it). */
function call(
  client: Client,
  method: UnaryMethod,
  request: object,
  metadata: Record<string, string>,
  deadlineMs?: number,
): { readonly outcome: Promise<Outcome>; cancel(): void } {
  const md = new Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  let resolveOutcome!: (outcome: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => (resolveOutcome = resolve));
  const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
  const pending = client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, md, options, (error: ServiceError | null, response?: object) =>
    resolveOutcome(error ? { code: error.code, details: error.details } : { code: Status.OK, details: "", response: response as Record<string, unknown> }),
  );
  return { outcome, cancel: () => pending.cancel() };
}

/** A client with a connection of its own (grpc-js shares connections between clients of one target otherwise). */
function ownConnection(address: string): Client {
  return new Client(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
}

const holderOf = (object: string, token: string) => ({ "qmi-object": object, "qmi-context": "raw_client", "qmi-lock-token": token });

describe("BoundedTimer", () => {
  it("fires after its delay, at once for a negative or NaN delay, never for Infinity", async () => {
    const fired: string[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => new BoundedTimer(() => resolve(), 30));
    assert.ok(performance.now() - started >= 29, "not before its delay");
    new BoundedTimer(() => fired.push("negative"), -5);
    new BoundedTimer(() => fired.push("NaN"), NaN);
    const never = new BoundedTimer(() => fired.push("Infinity"), Infinity);
    assert.deepEqual(fired, [], "asynchronously");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(fired.sort(), ["NaN", "negative"]);
    assert.equal(never.pending, false, "an infinite delay arms no timer");
  });

  it("sleeps through a delay over setTimeout's limit without a TimeoutOverflowWarning, and cancels", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      let fired = 0;
      const timer = new BoundedTimer(() => fired++, MAX_TIMER_MS * 3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(fired, 0);
      assert.equal(timer.pending, true);
      timer.cancel();
      assert.equal(timer.pending, false);
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("qmi.core.Lock waits, against a context in another process, from raw clients without deadlines", () => {
  let server: Child;
  let address: string;
  const clients: Client[] = [];
  before(async () => {
    server = startChild("test/fixtures/nsg-server.ts", ["lock_bounds"]);
    address = `127.0.0.1:${(await server.waitForLine(/^LISTENING (\d+)$/, 30))[1]}`;
  });
  after(async () => {
    for (const client of clients) client.close();
    server.kill();
    await server.waitForExit(20).catch(() => undefined);
  });
  const client = () => {
    const made = ownConnection(address);
    clients.push(made);
    return made;
  };

  it("refuses Infinity, 1e12, NaN and negative timeouts with INVALID_ARGUMENT naming timeout_seconds, while another holds the lock", async () => {
    const holder = client();
    assert.equal((await withinSeconds(call(holder, LOCK.Lock!, {}, holderOf("nsg", "holder")).outcome, 10, "Lock")).response?.granted, true);
    const waiter = client();
    for (const timeout of [Infinity, 1e12, NaN, -1, MAX_LOCK_TIMEOUT + 1]) {
      const { code, details } = await withinSeconds(call(waiter, LOCK.Lock!, { timeout_seconds: timeout }, holderOf("nsg", "waiter")).outcome, 10, `Lock(${timeout})`);
      assert.equal(code, Status.INVALID_ARGUMENT, `timeout_seconds ${timeout}: ${details}`);
      assert.match(details, new RegExp(`timeout_seconds must be a number of seconds from 0 to ${MAX_LOCK_TIMEOUT} .*got ${timeout}`));
    }
    const atMost = await withinSeconds(call(waiter, LOCK.Lock!, { timeout_seconds: 0.1 }, holderOf("nsg", "waiter")).outcome, 10, "Lock(0.1)");
    assert.equal(atMost.response?.granted, false, "a valid timeout still waits and answers");
    assert.equal((await withinSeconds(call(holder, LOCK.Unlock!, {}, holderOf("nsg", "holder")).outcome, 10, "Unlock")).response?.released, true);
  });

  it("lets 50 waiters without deadline sleep (server CPU well under 20 %), wakes them promptly at each unlock", async () => {
    const holder = client();
    assert.equal((await withinSeconds(call(holder, LOCK.Lock!, {}, holderOf("nsg", "holder")).outcome, 10, "Lock")).response?.granted, true);
    const waiterClient = client();
    const waiters = Array.from({ length: 50 }, (_, i) => call(waiterClient, LOCK.Lock!, { timeout_seconds: MAX_LOCK_TIMEOUT }, holderOf("nsg", `waiter${i}`)));
    const granted: number[] = [];
    waiters.forEach((waiter, i) => void waiter.outcome.then((o) => o.response?.granted === true && granted.push(i)));
    await new Promise((resolve) => setTimeout(resolve, 500)); // all 50 have tried once and sleep
    const pid = server.process.pid!;
    const cpuBefore = cpuSeconds(pid);
    const wallBefore = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const share = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
    assert.ok(share < 0.2, `the server used ${(share * 100).toFixed(1)} % of a CPU while 50 Lock calls waited`);
    assert.deepEqual(granted, [], "nobody granted while the holder holds it");

    // Each unlock grants exactly one waiter, at once.
    let token = "holder";
    let from = holder;
    for (let round = 0; round < 3; round++) {
      const unlocked = performance.now();
      assert.equal((await withinSeconds(call(from, LOCK.Unlock!, {}, holderOf("nsg", token)).outcome, 10, "Unlock")).response?.released, true);
      const until = Date.now() + 5000;
      while (granted.length === round && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(granted.length, round + 1, "one waiter granted per unlock");
      assert.ok(performance.now() - unlocked < 1000, `woken ${(performance.now() - unlocked).toFixed(0)} ms after the unlock`);
      token = `waiter${granted[round]}`;
      from = waiterClient;
    }
    for (const waiter of waiters) waiter.cancel();
    await withinSeconds(Promise.all(waiters.map((w) => w.outcome)), 10, "the cancelled waiters");
    assert.equal((await withinSeconds(call(from, LOCK.Unlock!, {}, holderOf("nsg", token)).outcome, 10, "Unlock")).response?.released, true);
  });

  it(`lets ${MAX_LOCK_WAITERS_PER_CONNECTION} Lock calls of one connection wait, refuses 10 000 more with RESOURCE_EXHAUSTED, and frees the places of cancelled ones`, async () => {
    const holder = client();
    assert.equal((await withinSeconds(call(holder, LOCK.Lock!, {}, holderOf("nsg2", "holder")).outcome, 10, "Lock")).response?.granted, true);
    const flood = client();
    const calls = Array.from({ length: MAX_LOCK_WAITERS_PER_CONNECTION + 10_000 }, (_, i) =>
      call(flood, LOCK.Lock!, { timeout_seconds: 3600 }, holderOf("nsg2", `flood${i}`)),
    );
    const settled: Outcome[] = [];
    calls.forEach((c) => void c.outcome.then((o) => settled.push(o)));
    const until = Date.now() + 60_000;
    while (settled.length < 10_000 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(calls.length - settled.length, MAX_LOCK_WAITERS_PER_CONNECTION, "exactly the connection's bound waits");
    assert.ok(settled.every((o) => o.code === Status.RESOURCE_EXHAUSTED), "the others are refused");
    assert.match(settled[0]!.details, /Lock calls of this connection already wait, the most allowed \(MAX_LOCK_WAITERS_PER_CONNECTION\)/);
    const other = await withinSeconds(call(client(), LOCK.Lock!, { timeout_seconds: 0.05 }, holderOf("nsg2", "other")).outcome, 10, "another connection's Lock");
    assert.equal(other.response?.granted, false, "another connection still waits (and times out)");

    // Cancelled waiters free their places: another 64 may wait.
    for (const c of calls) c.cancel();
    await withinSeconds(Promise.all(calls.map((c) => c.outcome)), 20, "the cancelled calls");
    const again = Array.from({ length: MAX_LOCK_WAITERS_PER_CONNECTION }, (_, i) => call(flood, LOCK.Lock!, { timeout_seconds: 3600 }, holderOf("nsg2", `again${i}`)));
    let answered = 0;
    again.forEach((c) => void c.outcome.then(() => answered++));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(answered, 0, "all waiting, none refused");
    for (const c of again) c.cancel();
    await withinSeconds(Promise.all(again.map((c) => c.outcome)), 20, "the cancelled calls");
    assert.equal((await withinSeconds(call(holder, LOCK.Unlock!, {}, holderOf("nsg2", "holder")).outcome, 10, "Unlock")).response?.released, true);
  });

  it(`lets at most ${MAX_LOCK_WAITERS_PER_OBJECT} callers wait for one object, whatever their connections`, async () => {
    const holder = client();
    assert.equal((await withinSeconds(call(holder, LOCK.Lock!, {}, holderOf("nsg", "holder")).outcome, 10, "Lock")).response?.granted, true);
    const perClient = MAX_LOCK_WAITERS_PER_CONNECTION - 1;
    const connections = Math.ceil((MAX_LOCK_WAITERS_PER_OBJECT + 10) / perClient);
    const calls = Array.from({ length: connections }, () => client()).flatMap((c, k) =>
      Array.from({ length: perClient }, (_, i) => call(c, LOCK.Lock!, { timeout_seconds: 3600 }, holderOf("nsg", `c${k}w${i}`))),
    );
    const settled: Outcome[] = [];
    calls.forEach((c) => void c.outcome.then((o) => settled.push(o)));
    const until = Date.now() + 30_000;
    while (settled.length < calls.length - MAX_LOCK_WAITERS_PER_OBJECT && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(calls.length - settled.length, MAX_LOCK_WAITERS_PER_OBJECT, "exactly the object's bound waits");
    assert.ok(settled.every((o) => o.code === Status.RESOURCE_EXHAUSTED), "the excess is RESOURCE_EXHAUSTED");
    assert.match(settled[0]!.details, /callers already wait for this lock, the most allowed \(MAX_LOCK_WAITERS_PER_OBJECT\)/);
    for (const c of calls) c.cancel();
    await withinSeconds(Promise.all(calls.map((c) => c.outcome)), 20, "the cancelled calls");
    assert.equal((await withinSeconds(call(holder, LOCK.Unlock!, {}, holderOf("nsg", "holder")).outcome, 10, "Unlock")).response?.released, true);
  });
});

for (const callPath of CALL_PATHS) describe(`lock({ timeout }) from TypeScript (in-process, and remote over the ${callPath} path)`, () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("lock_ts_bounds", { config: null });
    await server.makeInstrument("nsg", NoisySineGenerator);
    client = await Context.start("lock_ts_client", { config: null });
    await client.connectToPeer("lock_ts_bounds", { address: server.address, callPath });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("refuses 3e6, Infinity and NaN seconds with an InvalidArgumentError, and waits for a long valid timeout until the unlock", async () => {
    const holder = await server.getInstrument("lock_ts_bounds.nsg", NoisySineGeneratorProxy);
    assert.equal(await holder.lock(), true);
    const local = await server.getInstrument("lock_ts_bounds.nsg", NoisySineGeneratorProxy);
    const remote = await client.getInstrument("lock_ts_bounds.nsg", NoisySineGeneratorProxy);
    const refused = (timeout: number) => (e: unknown) =>
      e instanceof InvalidArgumentError && e.message.startsWith(`Lock timeout must be a number of seconds from 0 to ${MAX_LOCK_TIMEOUT} (one day), got ${timeout}`);
    try {
      for (const timeout of [3e6, Infinity, NaN, -1]) {
        await assert.rejects(withinSeconds(local.lock({ timeout }), 10, `local lock(${timeout})`), refused(timeout));
        await assert.rejects(withinSeconds(remote.lock({ timeout }), 10, `remote lock(${timeout})`), refused(timeout));
      }
      for (const waiter of [local, remote]) {
        const pending = waiter.lock({ timeout: MAX_LOCK_TIMEOUT });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const unlocked = performance.now();
        assert.equal(await holder.unlock(), true);
        assert.equal(await withinSeconds(pending, 5, "the waiting lock()"), true);
        assert.ok(performance.now() - unlocked < 1000, "granted at the unlock");
        assert.equal(await waiter.unlock(), true);
        assert.equal(await holder.lock(), true);
      }
    } finally {
      await holder.forceUnlock();
    }
  });

  it("does not miss a release that comes between a waiter's try and its sleep", async () => {
    const holder = await server.getInstrument("lock_ts_bounds.nsg", NoisySineGeneratorProxy);
    const waiter = await server.getInstrument("lock_ts_bounds.nsg", NoisySineGeneratorProxy);
    for (let round = 0; round < 20; round++) {
      assert.equal(await holder.lock(), true);
      const pending = waiter.lock({ timeout: 3600 });
      const unlocked = holder.unlock(); // queued right behind the waiter's first try
      assert.equal(await unlocked, true);
      assert.equal(await withinSeconds(pending, 5, `round ${round}: the waiting lock()`), true);
      assert.equal(await waiter.unlock(), true);
    }
  });
});

/** Sleeps for ever (until stopped): `sleep(Infinity)` must sleep, not spin. */
class SleeperTask extends Task {
  async run(): Promise<void> {
    await this.sleep(Infinity);
  }
}

/** A loop whose period is longer than setTimeout's limit (given as `loopPeriod`). */
class SlowLoopTask extends LoopTask {
  protected override async loopIteration(): Promise<void> {}
}

/** The share of a CPU this process uses while `ms` milliseconds pass. */
async function cpuShareOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const wallBefore = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
}

describe("qmi.core.Task/Join without a deadline, and task sleeps", () => {
  it(`answers DEADLINE_EXCEEDED after MAX_JOIN_WAIT (${MAX_JOIN_WAIT} s) while the task runs, telling the client to ask again`, { timeout: 90_000 }, async () => {
    const context = await Context.start("join_bounds", { config: null });
    const raw = ownConnection(context.address);
    try {
      const task = await context.makeTask("counter", CounterTask, { period: 0.05 });
      await task.start();
      const started = performance.now();
      const join = await withinSeconds(call(raw, TASK.Join!, {}, { "qmi-object": "counter" }).outcome, MAX_JOIN_WAIT + 15, "Join");
      const waited = (performance.now() - started) / 1000;
      assert.equal(join.code, Status.DEADLINE_EXCEEDED, join.details);
      assert.match(join.details, new RegExp(`Task join_bounds\\.counter still runs after ${MAX_JOIN_WAIT} s, .*call Join again, or give the call a deadline`));
      assert.ok(waited >= MAX_JOIN_WAIT - 1 && waited < MAX_JOIN_WAIT + 5, `answered after ${waited.toFixed(1)} s`);
      assert.equal(await task.isRunning(), true, "the task is not affected");
      // Asked again after the task ends: answered at once.
      const again = call(raw, TASK.Join!, {}, { "qmi-object": "counter" });
      await task.stop();
      assert.equal((await withinSeconds(again.outcome, 10, "Join after stop")).code, Status.OK);
      const withDeadline = await withinSeconds(call(raw, TASK.Join!, {}, { "qmi-object": "counter" }, 5000).outcome, 10, "Join with a deadline");
      assert.equal(withDeadline.code, Status.OK);
    } finally {
      raw.close();
      await context.stop();
    }
  });

  it("sleeps, without spinning, through sleep(Infinity) until stopped", async () => {
    const context = await Context.start("sleep_bounds", { config: null });
    try {
      const task = await context.makeTask("sleeper", SleeperTask);
      await task.start();
      const share = await cpuShareOver(500);
      assert.ok(share < 0.2, `the process used ${(share * 100).toFixed(1)} % of a CPU while the task slept`);
      assert.equal(await task.isRunning(), true);
      await task.stop();
      await task.join({ timeout: 5 });
      assert.equal(await task.isRunning(), false);
    } finally {
      await context.stop();
    }
  });

  it("waits, without spinning, for the next period of a loop over 24.8 days (3e6 s), and stops at once", async () => {
    const context = await Context.start("loop_bounds", { config: null });
    try {
      const task = await context.makeTask("slow", SlowLoopTask, { loopPeriod: 3e6 });
      await task.start();
      const share = await cpuShareOver(500);
      assert.ok(share < 0.2, `the process used ${(share * 100).toFixed(1)} % of a CPU while the loop waited`);
      assert.equal(await task.isRunning(), true);
      await task.stop();
      await task.join({ timeout: 5 });
    } finally {
      await context.stop();
    }
  });

  it(`keeps at most ${MAX_JOIN_WAITERS} join() calls waiting for a task: a new one ends the oldest with a ResourceExhaustedError`, async () => {
    const context = await Context.start("joiners_bounds", { config: null });
    try {
      const task = await context.makeTask("counter", CounterTask, { period: 0.05 });
      await task.start();
      const outcomes: string[] = [];
      const joins = Array.from({ length: MAX_JOIN_WAITERS + 5 }, (_, i) =>
        task.join({ timeout: 60 }).then(
          () => outcomes.push(`done ${i}`),
          (e: unknown) => outcomes.push(e instanceof ResourceExhaustedError ? `ended ${i}` : `failed ${i}: ${String(e)}`),
        ),
      );
      const until = Date.now() + 10_000;
      while (outcomes.length < 5 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(outcomes.sort(), ["ended 0", "ended 1", "ended 2", "ended 3", "ended 4"], "the 5 oldest ended, the others wait");
      await task.stop();
      await withinSeconds(Promise.all(joins), 10, "the waiting joins");
      assert.equal(outcomes.filter((o) => o.startsWith("done")).length, MAX_JOIN_WAITERS, "the waiting ones answered at the end");
      await withinSeconds(task.join({ timeout: 5 }), 6, "a join after the end");
    } finally {
      await context.stop();
    }
  });
});
