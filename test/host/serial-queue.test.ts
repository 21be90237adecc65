/**
 * Unit tests of `SerialQueue` (runtime/host/serial-queue.ts), the FIFO that serialises the calls to one hosted
 * object: arrival order, one job at a time, the `waited` flag, a failing job not stopping the ones after it,
 * jobs that free their slot at once (no recursion), and a long backlog (the queue has no bound on its length,
 * only a compaction of the entries already started).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerialQueue, type QueueJob } from "../../runtime/host/serial-queue.ts";

/** A promise with its resolve and reject, to hold a job until the test lets it go. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void; fail: (error: unknown) => void } {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Lets pending promise reactions (and one macrotask turn) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A `QueueJob` that records when it starts and frees its slot when told (or at once with `sync`). */
class RecordingJob implements QueueJob {
  started = false;
  waited: boolean | undefined;
  #queue: SerialQueue | undefined;

  constructor(
    readonly label: string,
    private readonly log: string[],
    private readonly sync = false,
  ) {}

  start(queue: SerialQueue, waited: boolean): void {
    this.started = true;
    this.waited = waited;
    this.log.push(this.label);
    if (this.sync) queue.release();
    else this.#queue = queue;
  }

  /** Frees the slot of a job that has started. */
  finish(): void {
    assert.ok(this.#queue, `${this.label} has not started`);
    const queue = this.#queue;
    this.#queue = undefined;
    queue.release();
  }
}

describe("SerialQueue.run", () => {
  it("runs jobs one at a time, in the order they were queued, and resolves each with its own value", { timeout: 5000 }, async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const gates = [gate(), gate(), gate()];
    const results = gates.map((g, i) =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        log.push(`start ${i}`);
        await g.promise;
        log.push(`end ${i}`);
        running--;
        return i * 10;
      }),
    );
    assert.deepEqual(log, ["start 0"], "the first job starts at once, synchronously; the others wait");
    assert.equal(queue.pending, 3);
    // Let them go in reverse order: the queue must still finish 0 before starting 1.
    gates[2]!.open();
    gates[1]!.open();
    await settle();
    assert.deepEqual(log, ["start 0"], "jobs 1 and 2 do not start while 0 runs, whatever their own state");
    gates[0]!.open();
    assert.deepEqual(await Promise.all(results), [0, 10, 20]);
    assert.deepEqual(log, ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
    assert.equal(most, 1);
    assert.equal(queue.pending, 0);
  });

  it("counts queued and running jobs in pending, down to 0 when idle", { timeout: 5000 }, async () => {
    const queue = new SerialQueue();
    assert.equal(queue.pending, 0);
    const first = gate();
    const a = queue.run(() => first.promise);
    const b = queue.run(async () => "b");
    assert.equal(queue.pending, 2);
    first.open();
    await a;
    assert.equal(await b, "b");
    assert.equal(queue.pending, 0);
    // Idle again: the next job starts at once.
    let ran = false;
    const c = queue.run(async () => (ran = true));
    assert.equal(ran, true);
    await c;
  });

  it("rejects a failing job with its own error and goes on with the jobs after it", { timeout: 5000 }, async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const boom = new Error("boom");
    const failing = queue.run(async () => {
      log.push("failing");
      throw boom;
    });
    const throwing = queue.run((): Promise<never> => {
      log.push("throwing");
      throw new RangeError("thrown before any promise");
    });
    const last = queue.run(async () => {
      log.push("last");
      return "ok";
    });
    await assert.rejects(failing, (error: unknown) => error === boom);
    await assert.rejects(throwing, RangeError);
    assert.equal(await last, "ok");
    assert.deepEqual(log, ["failing", "throwing", "last"]);
    assert.equal(queue.pending, 0);
  });

  it("runs a job queued by a running job after the jobs queued before it", { timeout: 5000 }, async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    const go = gate();
    const outer = queue.run(async () => {
      log.push("outer");
      await go.promise;
      inner = queue.run(async () => void log.push("inner"));
    });
    const second = queue.run(async () => void log.push("second"));
    go.open();
    await outer;
    await second;
    await inner;
    assert.deepEqual(log, ["outer", "second", "inner"]);
  });
});

describe("SerialQueue.enqueue (jobs that free their own slot)", () => {
  it("starts a job at once with waited=false when idle, and with waited=true after waiting its turn", () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const a = new RecordingJob("a", log);
    const b = new RecordingJob("b", log);
    queue.enqueue(a);
    queue.enqueue(b);
    assert.equal(a.started, true);
    assert.equal(a.waited, false);
    assert.equal(b.started, false, "b waits while a holds the slot");
    assert.equal(queue.pending, 2);
    a.finish();
    assert.equal(b.started, true, "releasing the slot starts the next job synchronously");
    assert.equal(b.waited, true);
    assert.equal(queue.pending, 1);
    b.finish();
    assert.equal(queue.pending, 0);
    const c = new RecordingJob("c", log);
    queue.enqueue(c);
    assert.equal(c.waited, false, "the queue is idle again");
    c.finish();
    assert.deepEqual(log, ["a", "b", "c"]);
  });

  it("starts the next job only on release, never because a later job was queued", () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const a = new RecordingJob("a", log);
    queue.enqueue(a);
    for (let i = 0; i < 5; i++) queue.enqueue(new RecordingJob(`w${i}`, log));
    assert.deepEqual(log, ["a"]);
    assert.equal(queue.pending, 6);
  });

  it("drains a backlog of jobs that free their slot at once without recursing (no stack overflow)", () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const head = new RecordingJob("head", log);
    queue.enqueue(head);
    const count = 100_000; // deep enough that one stack frame per job would overflow
    const jobs = Array.from({ length: count }, (_, i) => new RecordingJob(String(i), log, true));
    for (const job of jobs) queue.enqueue(job);
    assert.equal(queue.pending, count + 1);
    head.finish();
    assert.equal(queue.pending, 0);
    assert.equal(log.length, count + 1);
    assert.ok(jobs.every((job, i) => job.waited === true && log[i + 1] === String(i)), "every job ran once, in order");
    // Idle afterwards: a new job starts at once.
    const after = new RecordingJob("after", log);
    queue.enqueue(after);
    assert.equal(after.waited, false);
    after.finish();
  });

  it("keeps arrival order across the compaction of a long queue that never drains", () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const live: RecordingJob[] = [];
    const add = (label: string) => {
      const job = new RecordingJob(label, log);
      live.push(job);
      queue.enqueue(job);
    };
    // 3000 jobs waiting, then each one released while new ones keep arriving: the queue passes its compaction
    // threshold (1024 started entries) several times without ever being empty.
    for (let i = 0; i < 3000; i++) add(`j${i}`);
    let next = 3000;
    for (let released = 0; released < 4000; released++) {
      live[released]!.finish();
      if (released % 2 === 0) add(`j${next++}`);
    }
    assert.equal(next, 5000);
    assert.equal(queue.pending, 1000);
    for (let i = 4000; i < next; i++) live[i]!.finish();
    assert.equal(queue.pending, 0);
    assert.deepEqual(
      log,
      Array.from({ length: next }, (_, i) => `j${i}`),
      "each job started exactly once, in arrival order",
    );
  });

  it("a job that frees its slot at once and queues another keeps the order", () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const blocker = new RecordingJob("blocker", log);
    queue.enqueue(blocker);
    const requeuing: QueueJob = {
      start(q) {
        log.push("requeuing");
        q.enqueue(new RecordingJob("queued from a job", log, true));
        q.release();
      },
    };
    queue.enqueue(requeuing);
    queue.enqueue(new RecordingJob("third", log, true));
    blocker.finish();
    assert.deepEqual(log, ["blocker", "requeuing", "third", "queued from a job"]);
    assert.equal(queue.pending, 0);
  });
});
