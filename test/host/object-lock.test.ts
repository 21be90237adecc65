/**
 * Unit tests of `ObjectLock` and `lockWaitMs` (runtime/host/object-lock.ts): who holds a lock (a context and a
 * token together), `tryLock` / `unlock` / `forceUnlock` / `releaseLease` / `isLocked` / `permits`, and the wait
 * for a release: woken by a release, its timeout or its cancellation, never missing a release that came before
 * it, bounded to `MAX_LOCK_WAITERS_PER_OBJECT` per object and by a shared `WaiterBudget`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, ResourceExhaustedError } from "qmi-ts";
import {
  MAX_LOCK_TIMEOUT,
  MAX_LOCK_WAITERS_PER_OBJECT,
  ObjectLock,
  lockWaitMs,
  type LockHolder,
  type WaiterBudget,
} from "../../runtime/host/object-lock.ts";
import { CallCancellation } from "../../runtime/protocol/cancel-signal.ts";
import { within } from "../helpers/within.ts";

const alice: LockHolder = { context: "lab_a", lockToken: "tok-a" };
const bob: LockHolder = { context: "lab_b", lockToken: "tok-b" };

/** True when `promise` is still pending after the pending reactions and one macrotask turn have run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const turn = new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker)));
  return (await Promise.race([promise.then(() => undefined), turn])) === marker;
}

/** A budget of `limit` waiters that counts its takes and gives. */
class CountingBudget implements WaiterBudget {
  used = 0;
  takes = 0;
  gives = 0;
  constructor(private readonly limit: number) {}
  take(): void {
    if (this.used >= this.limit) throw new ResourceExhaustedError(`budget of ${this.limit} spent`);
    this.used++;
    this.takes++;
  }
  give(): void {
    this.used--;
    this.gives++;
  }
}

describe("lockWaitMs", () => {
  it("turns 0 to MAX_LOCK_TIMEOUT seconds into milliseconds", () => {
    assert.equal(MAX_LOCK_TIMEOUT, 86_400);
    assert.equal(lockWaitMs(0), 0);
    assert.equal(lockWaitMs(1.5), 1500);
    assert.equal(lockWaitMs(MAX_LOCK_TIMEOUT), 86_400_000);
  });

  it("refuses negative, non-finite, NaN and too long timeouts with an InvalidArgumentError naming the field", () => {
    for (const bad of [-1, -0.001, MAX_LOCK_TIMEOUT + 0.5, Infinity, -Infinity, NaN]) {
      assert.throws(() => lockWaitMs(bad), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.match(error.message, /^Lock timeout must be a number of seconds from 0 to 86400 \(one day\), got /);
        assert.ok(error.message.includes(`got ${bad}`), error.message);
        return true;
      });
    }
    assert.throws(() => lockWaitMs(-2, "timeout_seconds"), /Lock timeout_seconds must be/);
  });
});

describe("ObjectLock: holding and releasing", () => {
  it("starts unlocked and lets anyone call, with or without a token", () => {
    const lock = new ObjectLock();
    assert.equal(lock.isLocked, false);
    assert.equal(lock.permits(undefined, undefined), true);
    assert.equal(lock.permits("lab_a", "anything"), true);
    assert.equal(lock.releases, 0);
    assert.equal(lock.waiters, 0);
  });

  it("is held by a context and a token together: only that pair may call", () => {
    const lock = new ObjectLock();
    assert.equal(lock.tryLock(alice), true);
    assert.equal(lock.isLocked, true);
    assert.equal(lock.permits(alice.context, alice.lockToken), true);
    assert.equal(lock.permits(alice.context, undefined), false, "the holder's context without its token");
    assert.equal(lock.permits(alice.context, ""), false, "an empty token is no token");
    assert.equal(lock.permits(alice.context, bob.lockToken), false, "the holder's context with another token");
    assert.equal(lock.permits(bob.context, alice.lockToken), false, "the holder's token from another context");
    assert.equal(lock.permits(undefined, undefined), false);
  });

  it("treats a caller without a context name as the context \"\"", () => {
    const lock = new ObjectLock();
    assert.equal(lock.tryLock({ context: "", lockToken: "t" }), true);
    assert.equal(lock.permits(undefined, "t"), true);
    assert.equal(lock.permits("", "t"), true);
    assert.equal(lock.permits("named", "t"), false);
  });

  it("refuses tryLock to anyone but the holder, and gives it again to the holder (re-entrant)", () => {
    const lock = new ObjectLock();
    assert.equal(lock.tryLock(alice), true);
    assert.equal(lock.tryLock(alice), true);
    assert.equal(lock.tryLock({ ...alice }), true, "holders compare by value, not identity");
    assert.equal(lock.tryLock(bob), false);
    assert.equal(lock.tryLock({ context: alice.context, lockToken: bob.lockToken }), false);
    assert.equal(lock.permits(alice.context, alice.lockToken), true, "a refused tryLock leaves the holder");
    assert.equal(lock.releases, 0, "no release happened");
  });

  it("unlocks only for the holder, counting each release", () => {
    const lock = new ObjectLock();
    assert.equal(lock.unlock(alice), false, "nothing to unlock");
    assert.equal(lock.releases, 0);
    lock.tryLock(alice);
    assert.equal(lock.unlock(bob), false);
    assert.equal(lock.unlock({ context: bob.context, lockToken: alice.lockToken }), false);
    assert.equal(lock.isLocked, true);
    assert.equal(lock.releases, 0);
    assert.equal(lock.unlock({ ...alice }), true);
    assert.equal(lock.isLocked, false);
    assert.equal(lock.releases, 1);
    assert.equal(lock.tryLock(bob), true, "free for another holder after the release");
  });

  it("forceUnlock clears the lock whoever holds it and says whether it was locked", () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    assert.equal(lock.forceUnlock(), true);
    assert.equal(lock.isLocked, false);
    assert.equal(lock.permits(bob.context, bob.lockToken), true);
    assert.equal(lock.forceUnlock(), false);
    assert.equal(lock.isLocked, false);
  });

  it("releases a lock through its lease only for that lease; re-locking replaces or drops the lease", () => {
    const lock = new ObjectLock();
    assert.equal(lock.releaseLease("L1"), false, "nothing is locked");
    lock.tryLock(alice, "L1");
    assert.equal(lock.releaseLease("L2"), false);
    assert.equal(lock.isLocked, true);
    assert.equal(lock.releaseLease("L1"), true);
    assert.equal(lock.isLocked, false);
    assert.equal(lock.releases, 1);

    lock.tryLock(alice, "L1");
    lock.tryLock(alice, "L3"); // the holder locks again under another lease
    assert.equal(lock.releaseLease("L1"), false, "the old lease no longer holds it");
    assert.equal(lock.releaseLease("L3"), true);

    lock.tryLock(alice, "L4");
    lock.tryLock(alice); // locked again without a lease: held until unlocked
    assert.equal(lock.releaseLease("L4"), false);
    assert.equal(lock.isLocked, true);

    assert.equal(lock.tryLock(bob, "L5"), false);
    assert.equal(lock.releaseLease("L5"), false, "a refused tryLock does not attach its lease");
    assert.equal(lock.unlock(alice), true);
    assert.equal(lock.releaseLease("L4"), false, "an unlock drops the lease too");
  });
});

describe("ObjectLock.waitForRelease", () => {
  it("resolves at once when a release came since `seen`, for a zero, negative or NaN wait, or an aborted signal", { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const seen = lock.releases;
    const aborted = new AbortController();
    aborted.abort();
    const immediate = [lock.waitForRelease(seen, 0), lock.waitForRelease(seen, -5), lock.waitForRelease(seen, NaN), lock.waitForRelease(seen, 10_000, aborted.signal)];
    assert.equal(lock.waiters, 0, "none of them sleeps");
    for (const wait of immediate) assert.equal(await isPending(wait), false);

    lock.unlock(alice);
    lock.tryLock(alice); // released and taken again between the caller's try and its wait
    const missed = lock.waitForRelease(seen, 10_000);
    assert.equal(lock.waiters, 0, "a release since `seen` is not missed: no sleep");
    assert.equal(await isPending(missed), false);
  });

  it("sleeps until the next release, then every waiter wakes", { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const waits = [lock.waitForRelease(lock.releases, 10_000), lock.waitForRelease(lock.releases, Infinity)];
    assert.equal(lock.waiters, 2);
    assert.equal(await isPending(Promise.race(waits)), true, "no release yet: both sleep");
    assert.equal(lock.unlock(bob), false);
    assert.equal(await isPending(Promise.race(waits)), true, "a failed unlock wakes nobody");
    lock.unlock(alice);
    await within(Promise.all(waits), 1000, "wake-up on release");
    assert.equal(lock.waiters, 0);
  });

  it("wakes on forceUnlock and on the end of the lock's lease", { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const forced = lock.waitForRelease(lock.releases, 10_000);
    lock.forceUnlock();
    await within(forced, 1000, "wake-up on forceUnlock");
    lock.tryLock(alice, "lease-1");
    const leased = lock.waitForRelease(lock.releases, 10_000);
    lock.releaseLease("lease-1");
    await within(leased, 1000, "wake-up on the lease's end");
    assert.equal(lock.waiters, 0);
  });

  it("resolves after its timeout when nothing is released, leaving the lock held", { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const start = performance.now();
    await within(lock.waitForRelease(lock.releases, 40), 2000, "the 40 ms wait");
    const waited = performance.now() - start;
    assert.ok(waited >= 35, `woke after ${waited.toFixed(1)} ms, before its 40 ms timeout`);
    assert.equal(lock.waiters, 0);
    assert.equal(lock.isLocked, true);
    assert.equal(lock.permits(alice.context, alice.lockToken), true);
  });

  it("resolves when its signal aborts (an AbortSignal or a CallCancellation), and stops listening to it", { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const controller = new AbortController();
    const cancellation = new CallCancellation();
    const byController = lock.waitForRelease(lock.releases, 10_000, controller.signal);
    const byCancellation = lock.waitForRelease(lock.releases, 10_000, cancellation);
    assert.equal(lock.waiters, 2);
    controller.abort();
    await within(byController, 1000, "wake-up on abort");
    assert.equal(lock.waiters, 1, "the other waiter still sleeps");
    cancellation.abort();
    await within(byCancellation, 1000, "wake-up on CallCancellation.abort()");
    assert.equal(lock.waiters, 0);
    assert.equal(lock.isLocked, true, "cancelling a wait does not touch the lock");

    // A waiter woken by a release no longer listens to its signal: a later abort changes nothing.
    const later = new AbortController();
    let listening = 0;
    const signal = later.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (listening++, add(...args))) as typeof signal.addEventListener;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listening--, remove(...args))) as typeof signal.removeEventListener;
    const woken = lock.waitForRelease(lock.releases, 10_000, signal);
    assert.equal(listening, 1);
    lock.forceUnlock();
    await within(woken, 1000, "wake-up on release");
    assert.equal(listening, 0, "its abort listener was removed");
  });

  it(`lets at most MAX_LOCK_WAITERS_PER_OBJECT (${MAX_LOCK_WAITERS_PER_OBJECT}) callers sleep on one object`, { timeout: 5000 }, async () => {
    const lock = new ObjectLock();
    lock.tryLock(alice);
    const seen = lock.releases;
    const waits = Array.from({ length: MAX_LOCK_WAITERS_PER_OBJECT }, () => lock.waitForRelease(seen, 10_000));
    assert.equal(lock.waiters, MAX_LOCK_WAITERS_PER_OBJECT);
    await assert.rejects(lock.waitForRelease(seen, 10_000), (error: unknown) => {
      assert.ok(error instanceof ResourceExhaustedError);
      assert.match(error.message, /256 callers already wait for this lock, the most allowed \(MAX_LOCK_WAITERS_PER_OBJECT\)/);
      return true;
    });
    assert.equal(lock.waiters, MAX_LOCK_WAITERS_PER_OBJECT, "the refused caller was not counted");
    // Another object has a bound of its own.
    const other = new ObjectLock();
    other.tryLock(bob);
    const elsewhere = other.waitForRelease(other.releases, 10_000);
    assert.equal(other.waiters, 1);
    other.forceUnlock();
    await within(elsewhere, 1000, "the other object's waiter");

    lock.unlock(alice);
    await within(Promise.all(waits), 2000, "all waiters woken by one release");
    assert.equal(lock.waiters, 0);
    lock.tryLock(bob);
    const again = lock.waitForRelease(lock.releases, 10_000);
    assert.equal(lock.waiters, 1, "room again once the waiters left");
    lock.forceUnlock();
    await within(again, 1000, "the new waiter");
  });

  it("counts a sleeping waiter in a shared budget and out when it wakes, whatever woke it", { timeout: 5000 }, async () => {
    const budget = new CountingBudget(2);
    const a = new ObjectLock();
    const b = new ObjectLock();
    a.tryLock(alice);
    b.tryLock(alice);
    await a.waitForRelease(a.releases - 1, 10_000, undefined, budget); // resolves at once: nothing taken
    await a.waitForRelease(a.releases, 0, undefined, budget);
    assert.equal(budget.takes, 0, "a wait that does not sleep takes nothing from the budget");

    const controller = new AbortController();
    const onA = a.waitForRelease(a.releases, 30, undefined, budget); // ends by its timeout
    const onB = b.waitForRelease(b.releases, 10_000, controller.signal, budget); // ends by its abort
    assert.equal(budget.used, 2);
    await assert.rejects(a.waitForRelease(a.releases, 10_000, undefined, budget), /budget of 2 spent/);
    assert.equal(a.waiters, 1, "refused by the budget: not counted as a waiter of the object either");

    await within(onA, 2000, "the timed-out waiter");
    assert.equal(budget.used, 1);
    controller.abort();
    await within(onB, 1000, "the aborted waiter");
    assert.equal(budget.used, 0);

    const onRelease = b.waitForRelease(b.releases, 10_000, undefined, budget);
    assert.equal(budget.used, 1);
    b.forceUnlock();
    await within(onRelease, 1000, "the released waiter");
    assert.equal(budget.used, 0);
    assert.equal(budget.takes, 3);
    assert.equal(budget.gives, 3, "given back exactly once per take");
  });
});
