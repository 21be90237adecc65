/**
 * Runs jobs one at a time in arrival order: how calls to one hosted object are serialised.
 *
 * Two ways in: {@link SerialQueue.run} for a job given as a function returning a Promise (the slot is freed when
 * it settles), and {@link SerialQueue.enqueue} for a {@link QueueJob} that frees its slot itself (the dispatcher's
 * calls: they free it when the driver call settles or, for one that hangs, at its deadline). A job starts at once
 * when the queue is idle; a failing job does not stop the ones after it.
 *
 * @module
 */

/** A job that frees its own slot: {@link QueueJob.start} must lead to exactly one `queue.release()`. */
export interface QueueJob {
  /**
   * Runs the job; `queue.release()` lets the next one start. `waited` is false when the job starts within
   * {@link SerialQueue.enqueue} (the queue was idle), true when it waited for the jobs before it.
   */
  start(queue: SerialQueue, waited: boolean): void;
}

/** A {@link SerialQueue.run} job: frees its slot once its promise settles. */
class PromiseJob<T> implements QueueJob {
  constructor(
    readonly job: () => Promise<T>,
    readonly resolve: (value: T) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  start(queue: SerialQueue): void {
    let work: Promise<T>;
    try {
      work = Promise.resolve(this.job());
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      (value) => {
        queue.release();
        this.resolve(value);
      },
      (error: unknown) => {
        queue.release();
        this.reject(error);
      },
    );
  }
}

/** A FIFO of async jobs; a failing job does not stop the ones after it. */
export class SerialQueue {
  readonly #waiting: QueueJob[] = [];
  #head = 0;
  #running = false;
  #pending = 0;
  /** True while {@link release} starts jobs (so that a job freeing its slot at once does not recurse). */
  #starting = false;
  #releasedWhileStarting = false;

  /** Jobs queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Queues `job`; resolves or rejects with its outcome once it has run. */
  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.enqueue(new PromiseJob(job, resolve, reject)));
  }

  /** Queues a job that frees its slot itself (see {@link QueueJob}). */
  enqueue(job: QueueJob): void {
    this.#pending++;
    if (this.#running) {
      this.#waiting.push(job);
      return;
    }
    this.#running = true;
    job.start(this, false);
  }

  /** Frees the running job's slot: the next job starts. Called exactly once per job, by the job. */
  release(): void {
    this.#pending--;
    if (this.#head === this.#waiting.length && !this.#starting) {
      // Nothing waits (the common case of an idle object): no loop, and no write to the array.
      if (this.#head !== 0) {
        this.#waiting.length = 0;
        this.#head = 0;
      }
      this.#running = false;
      return;
    }
    if (this.#starting) {
      this.#releasedWhileStarting = true; // a job that freed its slot at once: the loop below starts the next
      return;
    }
    this.#starting = true;
    try {
      for (let more = true; more; ) {
        more = false;
        if (this.#head < this.#waiting.length) {
          const next = this.#waiting[this.#head]!;
          this.#waiting[this.#head++] = undefined as unknown as QueueJob;
          if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
            this.#waiting.splice(0, this.#head); // a queue that never drains: drop the started entries
            this.#head = 0;
          }
          this.#releasedWhileStarting = false;
          next.start(this, true);
          more = this.#releasedWhileStarting;
        } else {
          this.#waiting.length = 0;
          this.#head = 0;
          this.#running = false;
        }
      }
    } finally {
      this.#starting = false;
    }
  }
}
