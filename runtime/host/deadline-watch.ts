/**
 * One timer for many deadlines: calls register what to do when their deadline passes and unregister when they
 * settle, instead of each arming and clearing a timer of its own (per-call `setTimeout` / `clearTimeout` were
 * the largest cost of an in-process call once closures were gone; a `Map` of entries was next, hence the
 * intrusive list: adding and removing allocate nothing).
 *
 * The timer is armed for the earliest registered deadline; settling calls only leave the list, and a firing that
 * finds nothing due re-arms for the next. The timer does not keep the process alive (`unref`): a context's
 * server, or a peer connection's stream, does while calls are in flight.
 *
 * @module
 */

/** Something with a deadline; extend it to be watched by a {@link DeadlineWatch}. */
export abstract class DeadlineEntry {
  // Assigned in the constructor rather than declared as class fields: a field definition costs more than an
  // assignment, and every call makes an entry.
  /** @internal */ declare watchPrev: DeadlineEntry | null;
  /** @internal */ declare watchNext: DeadlineEntry | null;
  /** @internal */ declare watchDeadline: number;
  /** @internal */ declare watched: boolean;

  constructor() {
    this.watchPrev = null;
    this.watchNext = null;
    this.watchDeadline = Infinity;
    this.watched = false;
  }

  /** Called once when the deadline passed while still registered. */
  abstract expire(): void;
}

/** A set of deadlines served by one timer. */
export class DeadlineWatch {
  #head: DeadlineEntry | null = null;
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;

  /** Number of registered deadlines. */
  get size(): number {
    return this.#size;
  }

  /** Calls `entry.expire()` at `deadline` (ms since the epoch) unless {@link delete}d before. */
  add(entry: DeadlineEntry, deadline: number): void {
    if (entry.watched) this.delete(entry);
    entry.watched = true;
    entry.watchDeadline = deadline;
    entry.watchPrev = null;
    entry.watchNext = this.#head;
    if (this.#head) this.#head.watchPrev = entry;
    this.#head = entry;
    this.#size++;
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  /** Forgets `entry` (nothing happens when it is not registered). */
  delete(entry: DeadlineEntry): void {
    if (!entry.watched) return;
    entry.watched = false;
    const { watchPrev: prev, watchNext: next } = entry;
    if (prev) prev.watchNext = next;
    else this.#head = next;
    if (next) next.watchPrev = prev;
    entry.watchPrev = entry.watchNext = null;
    this.#size--;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(fire, Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1), this);
    this.#timer.unref();
  }

  /** The timer fired: expire what is due, re-arm for the rest. @internal */
  fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    const due: DeadlineEntry[] = [];
    let next = Infinity;
    for (let entry = this.#head; entry; entry = entry.watchNext) {
      if (entry.watchDeadline <= now) due.push(entry);
      else if (entry.watchDeadline < next) next = entry.watchDeadline;
    }
    for (const entry of due) this.delete(entry);
    if (next !== Infinity) this.#arm(next);
    for (const entry of due) entry.expire();
  }
}

function fire(watch: DeadlineWatch): void {
  watch.fire();
}

/** The process-wide watch used by the dispatcher and the call channel. */
export const deadlines = new DeadlineWatch();
