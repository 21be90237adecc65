/**
 * Unit tests of `dispatch()` and `dispatchLock()` (runtime/host/dispatcher.ts), on an `ObjectRegistry` without a
 * context: unknown objects and methods, in-process argument checks against the generated descriptor, the
 * refusal of calls from anyone but the lock holder (checked at the call's turn), the per-object queue, deadlines
 * and cancellations while queued (the method never runs) and while running (the caller is answered at once),
 * driver errors passed through as their class, and the lock operations (tokens, contexts, leases, waiting with a
 * timeout, the caller's deadline and signal, a waiter budget).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  DeadlineError,
  InstrumentError,
  Instrument,
  InvalidArgumentError,
  LockedError,
  NotOpenError,
  QmiError,
  ResourceExhaustedError,
  UnknownNameError,
  UsageError,
  rpcMethod,
  type int32,
} from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy, EchoInstrumentService } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { LOCKED_MESSAGE } from "../../runtime/host/dispatched-call.ts";
import {
  dispatch,
  dispatchLock,
  hostedMethod,
  type DispatchRequest,
  type LockDispatchRequest,
  type LockOperation,
} from "../../runtime/host/dispatcher.ts";
import { CallCancellation } from "../../runtime/protocol/cancel-signal.ts";
import type { LockHolder, WaiterBudget } from "../../runtime/host/object-lock.ts";
import { ObjectRegistry } from "../../runtime/host/object-registry.ts";
import { within } from "../helpers/within.ts";

const CONTEXT = "lab";

/** A promise with its resolve, to hold a driver call until the test lets it go. */
interface Gate {
  readonly promise: Promise<void>;
  readonly open: () => void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** True when `promise` is still pending after the pending reactions and one macrotask turn have run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const turn = new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker)));
  return (await Promise.race([promise.then(() => undefined, () => undefined), turn])) === marker;
}

/** A driver whose calls log when they start and end, and can be held until a test opens their gate. */
class Bench extends Instrument {
  readonly log: string[] = [];
  readonly gates = new Map<string, Gate>();

  /** Holds `step(label)` until the returned gate opens. */
  hold(label: string): Gate {
    const g = gate();
    this.gates.set(label, g);
    return g;
  }

  /** Opens every gate, so that no call is left hanging. */
  openAll(): void {
    for (const g of this.gates.values()) g.open();
  }

  @rpcMethod({ requiresOpen: false })
  async step(label: string): Promise<string> {
    this.log.push(`start ${label}`);
    await this.gates.get(label)?.promise;
    this.log.push(`end ${label}`);
    return label;
  }

  @rpcMethod({ requiresOpen: false })
  describeCall(a: number, b: string): string {
    return `${this.name}:${a}:${b}`;
  }

  @rpcMethod({ requiresOpen: false })
  async fail(kind: string): Promise<never> {
    this.log.push(`fail ${kind}`);
    switch (kind) {
      case "not-open":
        throw new NotOpenError("the driver says it is not open");
      case "usage":
        throw new UsageError("the driver refuses this use");
      case "invalid":
        throw new InvalidArgumentError("the driver refuses this value");
      case "locked":
        throw new LockedError("the driver says it is locked");
      case "plain":
        throw new TypeError("a plain driver failure");
      default:
        throw kind; // eslint-disable-line no-throw-literal
    }
  }

  @rpcMethod({ requiresOpen: false })
  failSync(): number {
    this.log.push("failSync");
    throw new UsageError("thrown synchronously");
  }

  @rpcMethod
  async needsOpen(): Promise<string> {
    this.log.push("needsOpen");
    return "ran";
  }

  @rpcMethod({ requiresOpen: false, queued: false })
  async outside(label: string): Promise<string> {
    this.log.push(`outside ${label}`);
    return label;
  }

  /** A public method that is not an RPC method. */
  notRpc(): string {
    this.log.push("notRpc");
    return "not an RPC method";
  }
}

/** The echo driver with a count of the `echoInt32` calls that reached it. */
class CountingEcho extends EchoInstrument {
  reached = 0;
  /** When set, `echoInt32` waits for it before answering. */
  blocker: Promise<void> | undefined;

  override async echoInt32(value: int32): Promise<int32> {
    this.reached++;
    await this.blocker;
    return super.echoInt32(value);
  }
}

/** A registry hosting `bench` (a Bench, no generated code) and `echo` (the echo driver, generated, open). */
async function setup() {
  const registry = new ObjectRegistry(CONTEXT);
  const bench = new Bench({ name: "bench", contextName: CONTEXT });
  const hosted = registry.add(bench, undefined);
  const echo = new CountingEcho({ name: "echo", contextName: CONTEXT });
  registry.add(echo, { descriptor: EchoInstrumentService, proxyClass: EchoInstrumentProxy });
  await echo.open();
  const call = (method: string, args: readonly unknown[] = [], extra: Partial<DispatchRequest> = {}) =>
    dispatch(registry, CONTEXT, { object: "bench", method, args, deadline: Infinity, validateArgs: false, ...extra });
  const lockOp = (operation: LockOperation, extra: Partial<LockDispatchRequest> = {}) =>
    dispatchLock(registry, CONTEXT, { object: "bench", operation, deadline: Infinity, ...extra });
  return { registry, bench, hosted, echo, call, lockOp };
}

/** `assert.rejects` matcher: an instance of `cls` whose message matches `message`. */
function failsWith(cls: new (message: string) => QmiError, message: RegExp | string) {
  return (error: unknown) => {
    assert.ok(error instanceof cls, `expected a ${cls.name}, got ${String(error)}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

const alice: LockHolder = { context: "ctx_a", lockToken: "tok-a" };
const bob: LockHolder = { context: "ctx_b", lockToken: "tok-b" };
const by = (holder: LockHolder) => ({ callerContext: holder.context, lockToken: holder.lockToken });

describe("dispatch: finding the object and the method", () => {
  it("runs the method on the hosted instance with the arguments, and resolves with its result", { timeout: 5000 }, async () => {
    const { call } = await setup();
    assert.equal(await call("step", ["a"]), "a");
    assert.equal(await call("describeCall", [7, "x"]), "bench:7:x", "a synchronous method, called on its instance");
  });

  it("refuses an unknown object with an UnknownNameError listing the objects, as a rejection", { timeout: 5000 }, async () => {
    const { registry } = await setup();
    const pending = dispatch(registry, CONTEXT, { object: "nope", method: "step", args: [], deadline: Infinity, validateArgs: false });
    await assert.rejects(pending, failsWith(UnknownNameError, "Context lab has no object named nope (objects: bench, echo)"));
  });

  it("refuses a method that is not an RPC method with an UnknownNameError listing the methods, without running it", { timeout: 5000 }, async () => {
    const { bench, call, hosted } = await setup();
    for (const name of ["nope", "notRpc", "hold", "constructor", "toString"]) {
      await assert.rejects(
        call(name),
        failsWith(UnknownNameError, `lab.bench has no RPC method ${name} (methods: open, close, isOpen, step, describeCall, fail, failSync, needsOpen, outside)`),
      );
    }
    assert.deepEqual(bench.log, []);
    assert.throws(() => hostedMethod(hosted, "notRpc", "somewhere.bench"), failsWith(UnknownNameError, /^somewhere\.bench has no RPC method notRpc/));
    const step = hostedMethod(hosted, "step", "lab.bench");
    assert.equal(step.name, "step");
    assert.equal(step.outsideQueue, false);
    assert.equal(hostedMethod(hosted, "outside", "lab.bench").outsideQueue, true);
  });

  it("refuses a method that needs the instrument open with a NotOpenError while it is closed", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    await assert.rejects(call("needsOpen"), failsWith(NotOpenError, "Instrument bench is not open; call open() first"));
    assert.deepEqual(bench.log, []);
    assert.equal(await call("isOpen"), false, "isOpen is callable while closed");
    await call("open");
    assert.equal(await call("needsOpen"), "ran");
    assert.deepEqual(bench.log, ["needsOpen"]);
  });
});

describe("dispatch: in-process arguments (validateArgs)", () => {
  const echoCall = (registry: ObjectRegistry, method: string, args: readonly unknown[], validateArgs = true) =>
    dispatch(registry, CONTEXT, { object: "echo", method, args, deadline: Infinity, validateArgs });

  it("checks them against the generated descriptor and refuses bad ones before the driver sees them", { timeout: 5000 }, async () => {
    const { registry, echo } = await setup();
    await assert.rejects(echoCall(registry, "echoInt32", ["5"]), failsWith(InvalidArgumentError, 'Invalid argument value: expected an integer (int32), got the string "5"'));
    await assert.rejects(echoCall(registry, "echoInt32", [2 ** 31]), failsWith(InvalidArgumentError, /Invalid argument value: expected an integer in \[-2147483648, 2147483647\] \(int32\), got 2147483648/));
    await assert.rejects(echoCall(registry, "echoInt32", [1, 2]), failsWith(InvalidArgumentError, "echoInt32() takes 1 argument, got 2: echoInt32(value: int32): Promise<int32>"));
    await assert.rejects(echoCall(registry, "echoInt32", []), failsWith(InvalidArgumentError, /echoInt32\(\) takes 1 argument, got 0/));
    await assert.rejects(echoCall(registry, "echoInt32", [undefined]), failsWith(InvalidArgumentError, "Invalid argument value: a value is required"));
    await assert.rejects(echoCall(registry, "sum", []), failsWith(InvalidArgumentError, /^sum\(\) takes 1 to 3 arguments, got 0: sum\(a: number/));
    assert.equal(echo.reached, 0, "no refused call reached the driver");
    assert.equal(await echoCall(registry, "echoInt32", [-7]), -7);
    assert.equal(await echoCall(registry, "sum", [1, undefined, 2]), 3, "optional arguments may be left out");
    assert.equal(echo.reached, 1);
  });

  it("refuses bad arguments at once, even while a call holds the object's queue", { timeout: 5000 }, async () => {
    const { registry, echo } = await setup();
    const blocker = gate();
    echo.blocker = blocker.promise;
    const holding = echoCall(registry, "echoInt32", [1]);
    const queued = echoCall(registry, "echoInt32", [2]);
    await assert.rejects(within(echoCall(registry, "echoInt32", [1.5]), 1000, "the refusal"), InvalidArgumentError);
    assert.equal(await isPending(queued), true, "the queue is still held");
    assert.equal(echo.reached, 1);
    blocker.open();
    assert.equal(await holding, 1);
    assert.equal(await queued, 2);
    assert.equal(echo.reached, 2);
  });

  it("does not check arguments that came decoded from the wire (validateArgs false)", { timeout: 5000 }, async () => {
    const { registry, echo } = await setup();
    assert.equal(await echoCall(registry, "echoInt32", ["5"], false), "5", "passed to the driver as given");
    assert.equal(echo.reached, 1);
  });
});

describe("dispatch: driver errors", () => {
  it("passes the driver's QmiErrors through as their own class and message", { timeout: 5000 }, async () => {
    const { call } = await setup();
    await assert.rejects(call("fail", ["not-open"]), failsWith(NotOpenError, "the driver says it is not open"));
    await assert.rejects(call("fail", ["usage"]), failsWith(UsageError, "the driver refuses this use"));
    await assert.rejects(call("fail", ["invalid"]), failsWith(InvalidArgumentError, "the driver refuses this value"));
    await assert.rejects(call("fail", ["locked"]), failsWith(LockedError, "the driver says it is locked"));
  });

  it("turns anything else thrown into an InstrumentError, keeping an Error as the cause", { timeout: 5000 }, async () => {
    const { call } = await setup();
    await assert.rejects(call("fail", ["plain"]), (error: unknown) => {
      assert.ok(error instanceof InstrumentError);
      assert.equal(error.message, "a plain driver failure");
      assert.ok(error.cause instanceof TypeError);
      return true;
    });
    await assert.rejects(call("fail", ["just a string"]), failsWith(InstrumentError, "just a string"));
  });

  it("rejects, never throws, when the method throws synchronously", { timeout: 5000 }, async () => {
    const { call } = await setup();
    let pending: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (pending = call("failSync")));
    await assert.rejects(pending!, failsWith(UsageError, "thrown synchronously"));
  });

  it("goes on with the calls queued behind a failing call", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const failing = call("fail", ["usage"]);
    const after = call("step", ["b"]);
    held.open();
    assert.equal(await a, "a");
    await assert.rejects(failing, UsageError);
    assert.equal(await after, "b");
    assert.deepEqual(bench.log, ["start a", "end a", "fail usage", "start b", "end b"]);
  });
});

describe("dispatch: the object's queue", () => {
  it("runs the calls to one object one at a time, in arrival order", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const gates = ["a", "b", "c"].map((label) => bench.hold(label));
    const calls = ["a", "b", "c"].map((label) => call("step", [label]));
    assert.deepEqual(bench.log, ["start a"]);
    gates[2]!.open();
    gates[1]!.open();
    assert.equal(await isPending(calls[1]!), true);
    assert.deepEqual(bench.log, ["start a"], "b and c wait for a, though their own gates are open");
    gates[0]!.open();
    assert.deepEqual(await within(Promise.all(calls), 1000, "the three calls"), ["a", "b", "c"]);
    assert.deepEqual(bench.log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("does not hold up the calls to another object", { timeout: 5000 }, async () => {
    const { registry, bench, call } = await setup();
    const other = new Bench({ name: "other", contextName: CONTEXT });
    registry.add(other, undefined);
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const elsewhere = dispatch(registry, CONTEXT, { object: "other", method: "step", args: ["x"], deadline: Infinity, validateArgs: false });
    assert.equal(await within(elsewhere, 1000, "the other object's call"), "x");
    held.open();
    await a;
  });

  it("runs a method marked queued: false at once, beside a call holding the queue", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const b = call("step", ["b"]);
    assert.equal(await within(call("outside", ["o"]), 1000, "the call outside the queue"), "o");
    assert.deepEqual(bench.log, ["start a", "outside o"]);
    held.open();
    await Promise.all([a, b]);
  });
});

describe("dispatch: the lock", () => {
  it("refuses calls from anyone but the holder with a LockedError, without running the method", { timeout: 5000 }, async () => {
    const { bench, hosted, call } = await setup();
    assert.equal(hosted.lock.tryLock(alice), true);
    await assert.rejects(call("step", ["nobody"]), failsWith(LockedError, LOCKED_MESSAGE));
    await assert.rejects(call("step", ["bob"], by(bob)), LockedError);
    await assert.rejects(call("step", ["stolen token"], { callerContext: bob.context, lockToken: alice.lockToken }), LockedError);
    await assert.rejects(call("step", ["no context"], { lockToken: alice.lockToken }), LockedError);
    await assert.rejects(call("outside", ["o"]), LockedError, "a method outside the queue is checked too");
    assert.deepEqual(bench.log, []);
    assert.equal(await call("step", ["alice"], by(alice)), "alice");
    assert.deepEqual(bench.log, ["start alice", "end alice"]);
    assert.equal(LOCKED_MESSAGE, "The object is locked by another proxy");
  });

  it("checks the lock at the call's turn, so that locks and calls apply in arrival order", { timeout: 5000 }, async () => {
    const { bench, call, lockOp } = await setup();
    const held = bench.hold("first");
    const first = call("step", ["first"]);
    const before = call("step", ["before"]); // queued before the lock: runs
    const locking = lockOp({ kind: "lock", timeout: 0 }, by(alice));
    const after = call("step", ["after"]); // queued after the lock: refused
    const holders = call("step", ["holder's"], by(alice));
    held.open();
    assert.equal(await before, "before");
    assert.equal(await locking, true);
    await assert.rejects(after, LockedError);
    assert.equal(await holders, "holder's");
    await first;
    assert.deepEqual(bench.log, ["start first", "end first", "start before", "end before", "start holder's", "end holder's"]);
  });
});

describe("dispatch: deadlines", () => {
  it("fails a call whose deadline passes while it waits with a DeadlineError, at its deadline, and never runs it", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const deadline = Date.now() + 40;
    const b = call("step", ["b"], { deadline });
    await assert.rejects(within(b, 2000, "the queued call's deadline"), failsWith(DeadlineError, "lab.bench.step() did not complete within its deadline"));
    assert.ok(Date.now() >= deadline);
    assert.equal(await isPending(a), true, "answered while the call before it still runs");
    const c = call("step", ["c"]);
    held.open();
    assert.equal(await a, "a");
    assert.equal(await c, "c");
    assert.deepEqual(bench.log, ["start a", "end a", "start c", "end c"], "b never ran");
  });

  it("skips a call whose deadline passed by its turn, even before the deadline timer fired", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const deadline = Date.now() + 15;
    const b = call("step", ["b"], { deadline });
    while (Date.now() <= deadline) {
      // busy-wait past the deadline without letting the timers run
    }
    held.open(); // a settles, and b's turn comes, in this same turn of the event loop
    await assert.rejects(b, failsWith(DeadlineError, "lab.bench.step() expired while queued"));
    await a;
    assert.deepEqual(bench.log, ["start a", "end a"]);
  });

  it("answers a running call's caller at its deadline, and the queue moves on without the hung call", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const hung = bench.hold("hung");
    const deadline = Date.now() + 40;
    const a = call("step", ["hung"], { deadline });
    const b = call("step", ["b"]);
    await assert.rejects(within(a, 2000, "the running call's deadline"), failsWith(DeadlineError, "lab.bench.step() did not complete within its deadline"));
    assert.ok(Date.now() >= deadline);
    assert.equal(await within(b, 2000, "the call behind the hung one"), "b");
    assert.deepEqual(bench.log, ["start hung", "start b", "end b"], "the hung call was not interrupted, just left behind");
    hung.open();
    await within(
      (async () => {
        while (!bench.log.includes("end hung")) await new Promise((resolve) => setImmediate(resolve));
      })(),
      1000,
      "the hung call's end",
    );
  });

  it("refuses a call whose deadline has already passed when it is dispatched, without running it, on an idle object too", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    await assert.rejects(call("step", ["late"], { deadline: Date.now() - 1 }), (error: unknown) => error instanceof DeadlineError && /expired before it started/.test(error.message));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(bench.log, []);
    assert.equal(await call("step", ["next"]), "next", "the refused call left the queue free");
  });

  it("lets a call finish normally before its deadline, leaving no deadline behind", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    assert.equal(await call("step", ["quick"], { deadline: Date.now() + 50 }), "quick");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(await call("step", ["next"]), "next", "the settled call's deadline did nothing to the queue");
    assert.deepEqual(bench.log, ["start quick", "end quick", "start next", "end next"]);
  });
});

describe("dispatch: cancellation", () => {
  it("fails a call cancelled while it waits with a CancelledError at once, and never runs it", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const controller = new AbortController();
    const b = call("step", ["b"], { signal: controller.signal });
    const c = call("step", ["c"]);
    controller.abort();
    await assert.rejects(within(b, 1000, "the cancelled call"), failsWith(CancelledError, "lab.bench.step() was cancelled"));
    assert.equal(await isPending(a), true);
    held.open();
    await a;
    assert.equal(await c, "c");
    assert.deepEqual(bench.log, ["start a", "end a", "start c", "end c"]);
  });

  it("never runs a call whose signal was aborted before it was dispatched, even on an idle object", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const cancellation = new CallCancellation();
    cancellation.abort();
    await assert.rejects(call("step", ["x"], { signal: cancellation }), CancelledError);
    await assert.rejects(call("outside", ["y"], { signal: AbortSignal.abort() }), CancelledError);
    assert.equal(await call("step", ["after"]), "after");
    assert.deepEqual(bench.log, ["start after", "end after"]);
  });

  it("answers a call cancelled while running at once; the method runs on and holds the queue until it settles", { timeout: 5000 }, async () => {
    const { bench, call } = await setup();
    const held = bench.hold("a");
    const cancellation = new CallCancellation();
    const a = call("step", ["a"], { signal: cancellation });
    const b = call("step", ["b"]);
    cancellation.abort();
    await assert.rejects(within(a, 1000, "the cancelled running call"), CancelledError);
    assert.equal(await isPending(b), true);
    assert.deepEqual(bench.log, ["start a"], "not interrupted, and b still waits");
    held.open();
    assert.equal(await within(b, 1000, "the call behind"), "b");
    assert.deepEqual(bench.log, ["start a", "end a", "start b", "end b"]);
  });

  it("ignores an abort after the call settled", { timeout: 5000 }, async () => {
    const { call } = await setup();
    const controller = new AbortController();
    const result = call("step", ["done"], { signal: controller.signal });
    assert.equal(await result, "done");
    controller.abort();
    assert.equal(await result, "done");
  });
});

describe("dispatchLock", () => {
  it("needs a lock token to lock or unlock", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    await assert.rejects(lockOp({ kind: "lock", timeout: 0 }, { callerContext: "ctx" }), failsWith(InvalidArgumentError, "Locking lab.bench needs a lock token (qmi-lock-token metadata)"));
    await assert.rejects(lockOp({ kind: "unlock" }, { callerContext: "ctx", lockToken: "" }), failsWith(InvalidArgumentError, "Unlocking lab.bench needs a lock token (qmi-lock-token metadata)"));
    assert.equal(hosted.lock.isLocked, false);
  });

  it("refuses an unknown object with an UnknownNameError", { timeout: 5000 }, async () => {
    const { registry } = await setup();
    for (const operation of [{ kind: "isLocked" }, { kind: "forceUnlock" }, { kind: "lock", timeout: 0 }] as const) {
      await assert.rejects(
        dispatchLock(registry, CONTEXT, { object: "ghost", operation, deadline: Infinity, ...by(alice) }),
        failsWith(UnknownNameError, "Context lab has no object named ghost (objects: bench, echo)"),
      );
    }
  });

  it("refuses a timeout outside 0 to MAX_LOCK_TIMEOUT seconds with an InvalidArgumentError", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    for (const timeout of [-1, NaN, Infinity, 86_401]) {
      await assert.rejects(lockOp({ kind: "lock", timeout }, by(alice)), failsWith(InvalidArgumentError, /^Lock timeout must be a number of seconds from 0 to 86400/));
    }
    assert.equal(hosted.lock.isLocked, false);
  });

  it("locks for one context and token, reports it, and unlocks only for that holder", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    assert.equal(await lockOp({ kind: "isLocked" }), false);
    assert.equal(await lockOp({ kind: "lock", timeout: 0 }, by(alice)), true);
    assert.equal(await lockOp({ kind: "lock", timeout: 0 }, by(alice)), true, "the holder may lock again");
    assert.equal(await lockOp({ kind: "isLocked" }), true);
    assert.equal(await lockOp({ kind: "lock", timeout: 0 }, by(bob)), false, "another holder gets false at once with timeout 0");
    assert.equal(await lockOp({ kind: "unlock" }, by(bob)), false);
    assert.equal(await lockOp({ kind: "unlock" }, { callerContext: bob.context, lockToken: alice.lockToken }), false);
    assert.equal(hosted.lock.permits(alice.context, alice.lockToken), true);
    // The holder's context may be named in the operation, for a caller unlocking on its behalf.
    assert.equal(await lockOp({ kind: "unlock", contextName: alice.context }, { callerContext: "someone_else", lockToken: alice.lockToken }), true);
    assert.equal(await lockOp({ kind: "isLocked" }), false);
    assert.equal(await lockOp({ kind: "forceUnlock" }), false, "nothing to force");
    assert.equal(await lockOp({ kind: "lock", timeout: 0 }, by(bob)), true);
    assert.equal(await lockOp({ kind: "forceUnlock" }, { callerContext: "admin" }), true);
    assert.equal(await lockOp({ kind: "isLocked" }), false);
  });

  it("ties a lock to the caller's lease when asked, so that it ends with the lease", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    assert.equal(await lockOp({ kind: "lock", timeout: 0, lease: true }, { ...by(alice), leaseId: "lease-7" }), true);
    assert.equal(hosted.lock.releaseLease("lease-8"), false);
    assert.equal(hosted.lock.releaseLease("lease-7"), true);
    assert.equal(await lockOp({ kind: "isLocked" }), false);
  });

  it("runs lock operations in the object's queue, after the calls before them", { timeout: 5000 }, async () => {
    const { bench, call, lockOp } = await setup();
    const held = bench.hold("a");
    const a = call("step", ["a"]);
    const isLocked = lockOp({ kind: "isLocked" });
    const locking = lockOp({ kind: "lock", timeout: 0 }, by(alice));
    assert.equal(await isPending(isLocked), true);
    assert.equal(await isPending(locking), true);
    held.open();
    assert.equal(await isLocked, false, "asked before the lock");
    assert.equal(await locking, true);
    await a;
  });

  it("lets a waiting lock take the lock as soon as the holder releases it, without holding the queue meanwhile", { timeout: 5000 }, async () => {
    const { lockOp, call, hosted } = await setup();
    assert.equal(await lockOp({ kind: "lock", timeout: 0 }, by(alice)), true);
    const waiting = lockOp({ kind: "lock", timeout: 10 }, by(bob));
    assert.equal(await isPending(waiting), true);
    assert.equal(hosted.lock.waiters, 1);
    assert.equal(await within(call("step", ["alice's call"], by(alice)), 1000, "the holder's call"), "alice's call", "the waiter is not in the queue");
    assert.equal(await lockOp({ kind: "unlock" }, by(alice)), true);
    assert.equal(await within(waiting, 1000, "the waiting lock"), true);
    assert.equal(hosted.lock.permits(bob.context, bob.lockToken), true);
    assert.equal(hosted.lock.waiters, 0);
  });

  it("gives up with false when its timeout runs out", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    await lockOp({ kind: "lock", timeout: 0 }, by(alice));
    const start = Date.now();
    assert.equal(await within(lockOp({ kind: "lock", timeout: 0.05 }, by(bob)), 2000, "the 50 ms lock"), false);
    assert.ok(Date.now() - start >= 45, `gave up after ${Date.now() - start} ms`);
    assert.equal(hosted.lock.waiters, 0);
    assert.equal(hosted.lock.permits(alice.context, alice.lockToken), true);
  });

  it("gives up with false at the call's deadline when it comes before the timeout", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    await lockOp({ kind: "lock", timeout: 0 }, by(alice));
    const deadline = Date.now() + 50;
    assert.equal(await within(lockOp({ kind: "lock", timeout: 60 }, { ...by(bob), deadline }), 2000, "the lock's deadline"), false);
    assert.ok(Date.now() >= deadline - 1);
    assert.equal(hosted.lock.waiters, 0);
  });

  it("ends a waiting lock with a CancelledError when its caller cancels", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    await lockOp({ kind: "lock", timeout: 0 }, by(alice));
    const controller = new AbortController();
    const waiting = lockOp({ kind: "lock", timeout: 60 }, { ...by(bob), signal: controller.signal });
    assert.equal(await isPending(waiting), true);
    controller.abort();
    await assert.rejects(within(waiting, 1000, "the cancelled lock"), failsWith(CancelledError, "lab.bench.lock() was cancelled"));
    assert.equal(hosted.lock.waiters, 0);
    assert.equal(hosted.lock.permits(alice.context, alice.lockToken), true, "the holder keeps the lock");
  });

  it("counts a waiting lock in the caller's WaiterBudget, and fails with its error when it is spent", { timeout: 5000 }, async () => {
    const { lockOp, hosted } = await setup();
    let used = 0;
    const budget: WaiterBudget = {
      take() {
        if (used >= 1) throw new ResourceExhaustedError("this connection already waits for a lock");
        used++;
      },
      give() {
        used--;
      },
    };
    await lockOp({ kind: "lock", timeout: 0 }, by(alice));
    const first = lockOp({ kind: "lock", timeout: 60 }, { ...by(bob), waiters: budget });
    assert.equal(await isPending(first), true);
    assert.equal(used, 1);
    await assert.rejects(
      lockOp({ kind: "lock", timeout: 60 }, { callerContext: "ctx_c", lockToken: "tok-c", waiters: budget }),
      failsWith(ResourceExhaustedError, "this connection already waits for a lock"),
    );
    assert.equal(hosted.lock.waiters, 1);
    await lockOp({ kind: "unlock" }, by(alice));
    assert.equal(await within(first, 1000, "the waiting lock"), true);
    assert.equal(used, 0, "given back when the wait ended");
  });
});

describe("rpcMethod options", () => {
  it("refuses snapshot: true on a method that takes arguments, when the class is defined", async () => {
    const define = () => {
      class Meter extends Instrument {
        @rpcMethod({ snapshot: true })
        async getRange(channel: number): Promise<number> {
          return channel;
        }
      }
      return Meter;
    };
    assert.throws(define, /@rpcMethod\(\{ snapshot: true \}\) getRange: a settings snapshot calls the method without arguments, and it declares 1/);
    class Fine extends Instrument {
      @rpcMethod({ snapshot: true })
      async getRange(): Promise<number> {
        return 10;
      }
    }
    assert.equal(await new Fine({ name: "fine", contextName: CONTEXT }).getRange(), 10);
  });
});
