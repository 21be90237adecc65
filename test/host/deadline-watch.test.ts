/**
 * Unit tests of `DeadlineWatch` (runtime/host/deadline-watch.ts), the one timer behind the deadlines of queued
 * calls: an entry expires at its deadline and not before, once; `delete` cancels it; re-adding moves it; an
 * earlier deadline re-arms the timer; `Infinity` and deadlines beyond `setTimeout`'s range neither fire nor
 * overflow the timer; the timer does not keep the process alive.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeadlineEntry, DeadlineWatch, deadlines } from "../../runtime/host/deadline-watch.ts";
import { within } from "../helpers/within.ts";

/** An entry that records when it expired, and lets a test await its expiry. */
class Probe extends DeadlineEntry {
  readonly expiredAt: number[] = [];
  readonly expired: Promise<number>;
  #resolve!: (at: number) => void;

  constructor(private readonly onExpire?: (probe: Probe) => void) {
    super();
    this.expired = new Promise((resolve) => (this.#resolve = resolve));
  }

  expire(): void {
    const now = Date.now();
    this.expiredAt.push(now);
    this.#resolve(now);
    this.onExpire?.(this);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The `TimeoutOverflowWarning`s the process emits while a test runs. */
let overflowWarnings: Error[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === "TimeoutOverflowWarning") overflowWarnings.push(warning);
};

describe("DeadlineWatch", () => {
  beforeEach(() => {
    overflowWarnings = [];
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });

  it("expires an entry at its deadline, not before, and only once", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const probe = new Probe();
    const deadline = Date.now() + 60;
    watch.add(probe, deadline);
    assert.equal(watch.size, 1);
    await sleep(20);
    assert.deepEqual(probe.expiredAt, [], "not expired 40 ms before its deadline");
    const at = await within(probe.expired, 2000, "expiry");
    assert.ok(at >= deadline, `expired at ${at}, its deadline was ${deadline}`);
    assert.equal(watch.size, 0, "an expired entry leaves the watch");
    assert.equal(probe.watched, false);
    await sleep(30);
    assert.equal(probe.expiredAt.length, 1, "expired once");
  });

  it("expires an entry whose deadline has already passed soon after, asynchronously", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const probe = new Probe();
    watch.add(probe, Date.now() - 1000);
    assert.deepEqual(probe.expiredAt, [], "not from within add()");
    await within(probe.expired, 1000, "expiry of a past deadline");
    assert.equal(watch.size, 0);
  });

  it("expires nothing that was deleted, and deleting what is not registered changes nothing", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const cancelled = new Probe();
    const kept = new Probe();
    watch.add(cancelled, Date.now() + 20);
    watch.add(kept, Date.now() + 40);
    watch.delete(cancelled);
    assert.equal(watch.size, 1);
    watch.delete(cancelled);
    watch.delete(new Probe());
    assert.equal(watch.size, 1, "a second delete, or one of a stranger, does not touch the count");
    await within(kept.expired, 2000, "expiry of the kept entry");
    assert.deepEqual(cancelled.expiredAt, [], "the deleted entry never expires, though its deadline was earlier");
    assert.equal(watch.size, 0);
  });

  it("re-arms for an earlier deadline added after a later one", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const late = new Probe();
    const early = new Probe();
    watch.add(late, Date.now() + 5000);
    const start = Date.now();
    watch.add(early, start + 20);
    await within(early.expired, 1000, "the earlier deadline");
    assert.deepEqual(late.expiredAt, []);
    assert.equal(watch.size, 1);
    watch.delete(late);
    assert.equal(watch.size, 0);
  });

  it("expires each of many entries at or after its own deadline, re-arming for the next", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const start = Date.now();
    const offsets = [70, 10, 40, 10, 100];
    const probes = offsets.map(() => new Probe());
    probes.forEach((probe, i) => watch.add(probe, start + offsets[i]!));
    assert.equal(watch.size, offsets.length);
    const times = await within(Promise.all(probes.map((p) => p.expired)), 2000, "all expiries");
    times.forEach((at, i) => assert.ok(at >= start + offsets[i]!, `entry ${i} expired ${at - start} ms in, before its ${offsets[i]} ms`));
    assert.ok(probes.every((p) => p.expiredAt.length === 1));
    assert.equal(watch.size, 0);
  });

  it("moves an entry that is added again to its new deadline (one registration, one expiry)", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const probe = new Probe();
    watch.add(probe, Date.now() + 10);
    const moved = Date.now() + 80;
    watch.add(probe, moved);
    assert.equal(watch.size, 1);
    await sleep(40);
    assert.deepEqual(probe.expiredAt, [], "the first deadline no longer applies");
    const at = await within(probe.expired, 2000, "expiry at the moved deadline");
    assert.ok(at >= moved);
    await sleep(20);
    assert.equal(probe.expiredAt.length, 1);
    assert.equal(watch.size, 0);
  });

  it("lets an entry be added again from its own expire() (it has left the watch by then)", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    const states: boolean[] = [];
    const probe = new Probe((p) => {
      states.push(p.watched);
      if (p.expiredAt.length < 3) watch.add(p, Date.now() + 5);
    });
    watch.add(probe, Date.now() + 5);
    for (let i = 0; i < 100 && probe.expiredAt.length < 3; i++) await sleep(10);
    assert.equal(probe.expiredAt.length, 3);
    assert.deepEqual(states, [false, false, false]);
    assert.equal(watch.size, 0);
  });

  it("never fires for an Infinity deadline, and still serves a finite one added after it", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    let fires = 0;
    const fire = watch.fire.bind(watch);
    watch.fire = () => {
      fires++;
      fire();
    };
    const never = new Probe();
    watch.add(never, Infinity);
    await sleep(30);
    assert.equal(fires, 0, "no timer is armed for Infinity");
    const soon = new Probe();
    watch.add(soon, Date.now() + 10);
    await within(soon.expired, 1000, "the finite deadline");
    await sleep(30);
    assert.equal(fires, 1, "one firing for the finite deadline; none re-armed for Infinity");
    assert.deepEqual(never.expiredAt, []);
    assert.equal(watch.size, 1);
    assert.equal(overflowWarnings.length, 0);
  });

  it("does not overflow setTimeout for deadlines beyond 2^31 - 1 ms away (no early or repeated firings)", { timeout: 5000 }, async () => {
    const watch = new DeadlineWatch();
    let fires = 0;
    const fire = watch.fire.bind(watch);
    watch.fire = () => {
      fires++;
      fire();
    };
    const far = [new Probe(), new Probe(), new Probe()];
    watch.add(far[0]!, Date.now() + 2 ** 31); // just past setTimeout's range
    watch.add(far[1]!, Date.now() + 1e12);
    watch.add(far[2]!, Number.MAX_VALUE);
    await sleep(50);
    // An overflowing setTimeout would fire after 1 ms (with a TimeoutOverflowWarning) and re-arm, again and again.
    assert.equal(fires, 0);
    assert.equal(overflowWarnings.length, 0, overflowWarnings.map((w) => w.message).join("; "));
    assert.ok(far.every((p) => p.expiredAt.length === 0));
    assert.equal(watch.size, 3);
    for (const probe of far) watch.delete(probe);
  });

  it("does not keep the process alive while deadlines are pending (its timer is unref'd)", () => {
    const watch = new DeadlineWatch();
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    const before = timers();
    const probe = new Probe();
    watch.add(probe, Date.now() + 60_000);
    assert.equal(timers(), before, "no referenced timer was added");
    watch.delete(probe);
  });

  it("exports one process-wide watch", () => {
    assert.ok(deadlines instanceof DeadlineWatch);
  });
});
