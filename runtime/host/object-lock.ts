/**
 * The lock of one hosted object.
 *
 * A lock is held by a pair (context name, token): the context that took it and the token its proxy carries.
 * Default proxy tokens are random, so a context restarted under the same name holds none of its predecessor's
 * locks. The lock is consulted by the dispatcher when a call's turn comes in the object's queue, and lock
 * operations pass through the same queue, so locks and calls apply in arrival order.
 *
 * A `lock` that finds another holder sleeps until the next release (never polls), then tries again in the queue.
 * Its wait is bounded: the timeout is checked by {@link lockWaitMs} (0 to {@link MAX_LOCK_TIMEOUT} seconds), and at
 * most {@link MAX_LOCK_WAITERS_PER_OBJECT} callers sleep on one object at a time (more fail with
 * `ResourceExhaustedError`), so that no client can make a context hold unbounded waiters.
 *
 * @module
 */
import { BoundedTimer } from "./bounded-timer.ts";
import type { AbortListener, CancelSignal } from "../protocol/cancel-signal.ts";
import { InvalidArgumentError, ResourceExhaustedError } from "../protocol/errors.ts";

/** The longest a lock may be waited for, seconds (one day); a longer wait is refused: ask again instead. */
export const MAX_LOCK_TIMEOUT = 86_400;

/** The most callers that may wait for one object's lock at a time; more fail with `ResourceExhaustedError`. */
export const MAX_LOCK_WAITERS_PER_OBJECT = 256;

/**
 * Checks a lock timeout in seconds (finite, 0 to {@link MAX_LOCK_TIMEOUT}) and returns it in milliseconds; throws an
 * `InvalidArgumentError` naming `name` (e.g. `timeout_seconds` for the `qmi.core.Lock/Lock` field) otherwise.
 */
export function lockWaitMs(timeout: number, name = "timeout"): number {
  if (!(timeout >= 0 && timeout <= MAX_LOCK_TIMEOUT)) {
    throw new InvalidArgumentError(
      `Lock ${name} must be a number of seconds from 0 to ${MAX_LOCK_TIMEOUT} (one day), got ${timeout}; to wait longer, lock again when it runs out`,
    );
  }
  return timeout * 1000;
}

/**
 * A bound on waiters shared by more than one object, such as those of one client connection: `take()` counts a
 * waiter in (or throws a `ResourceExhaustedError` when the bound is reached), `give()` counts it out.
 */
export interface WaiterBudget {
  take(): void;
  give(): void;
}

/** Who holds, or asks for, a lock. */
export interface LockHolder {
  /** The caller's context name (`qmi-context`; empty for clients that send none). */
  readonly context: string;
  /** The caller's lock token (`qmi-lock-token`). */
  readonly lockToken: string;
}

/** The lock state of one object. */
export class ObjectLock {
  #holder: LockHolder | undefined;
  /** The lease the lock is tied to, if any (see `qmi.core.Lock/Lease`). */
  #leaseId: string | undefined;
  readonly #waiters = new Set<ReleaseWaiter>();
  #releases = 0;

  /** True while someone holds the lock. */
  get isLocked(): boolean {
    return this.#holder !== undefined;
  }

  /**
   * The context name of the holder (empty when it sent none), or undefined while unlocked. Only the name: the
   * holder's token is never read out of the lock.
   */
  get holderContext(): string | undefined {
    return this.#holder?.context;
  }

  /**
   * True when a call from context `callerContext` carrying `lockToken` may use the object: it is not locked, or
   * that context and token hold the lock. (Checked before every call, so it takes the two strings: a holder
   * object is made only when the object is locked.)
   */
  permits(callerContext: string | undefined, lockToken: string | undefined): boolean {
    const holder = this.#holder;
    return holder === undefined || (!!lockToken && sameHolder(holder, { context: callerContext ?? "", lockToken }));
  }

  /**
   * Takes the lock for `caller` if free (or already theirs); returns whether `caller` now holds it. With a
   * `leaseId`, the lock is released when that lease ends; without one, it is held until unlocked.
   */
  tryLock(caller: LockHolder, leaseId?: string): boolean {
    if (this.#holder === undefined) this.#holder = caller;
    if (!sameHolder(this.#holder, caller)) return false;
    this.#leaseId = leaseId;
    return true;
  }

  /** Releases the lock if it is tied to the lease `leaseId`; returns whether it was released. */
  releaseLease(leaseId: string): boolean {
    if (this.#holder === undefined || this.#leaseId !== leaseId) return false;
    this.#release();
    return true;
  }

  /** Releases the lock if `caller` holds it; returns whether it was released. */
  unlock(caller: LockHolder): boolean {
    if (this.#holder === undefined || !sameHolder(this.#holder, caller)) return false;
    this.#release();
    return true;
  }

  /** Clears the lock whoever holds it; returns whether it was locked. */
  forceUnlock(): boolean {
    const wasLocked = this.#holder !== undefined;
    this.#release();
    return wasLocked;
  }

  /** How many times the lock was released so far: read before trying, and hand it to {@link waitForRelease}. */
  get releases(): number {
    return this.#releases;
  }

  /** Callers sleeping in {@link waitForRelease} now. */
  get waiters(): number {
    return this.#waiters.size;
  }

  /**
   * Sleeps until the next release, for `ms` milliseconds at most, or until `signal` aborts. Resolves at once when
   * the lock was released since `seen` (its {@link releases} count before the caller's last try), so that a release
   * between that try and this wait is not missed. Rejects with a `ResourceExhaustedError`, without waiting, when
   * {@link MAX_LOCK_WAITERS_PER_OBJECT} callers already wait or `budget` is spent.
   */
  waitForRelease(seen: number, ms: number, signal?: CancelSignal, budget?: WaiterBudget): Promise<void> {
    if (seen !== this.#releases || signal?.aborted || !(ms > 0)) return Promise.resolve();
    if (this.#waiters.size >= MAX_LOCK_WAITERS_PER_OBJECT) {
      return Promise.reject(
        new ResourceExhaustedError(`${this.#waiters.size} callers already wait for this lock, the most allowed (MAX_LOCK_WAITERS_PER_OBJECT); try again later`),
      );
    }
    try {
      budget?.take();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve) => new ReleaseWaiter(this.#waiters, resolve, ms, signal, budget));
  }

  #release(): void {
    this.#holder = undefined;
    this.#leaseId = undefined;
    this.#releases++;
    for (const waiter of [...this.#waiters]) waiter.handleEvent();
  }
}

/** One caller sleeping until a release, its timeout or its cancellation, whichever comes first. */
class ReleaseWaiter implements AbortListener {
  readonly #timer: BoundedTimer;

  constructor(
    private readonly waiters: Set<ReleaseWaiter>,
    private readonly resolve: () => void,
    ms: number,
    private readonly signal: CancelSignal | undefined,
    private readonly budget: WaiterBudget | undefined,
  ) {
    waiters.add(this);
    this.#timer = new BoundedTimer(() => this.handleEvent(), ms);
    signal?.addEventListener("abort", this, { once: true });
  }

  /** Ends the wait (release, timeout or abort); later calls change nothing. */
  handleEvent(): void {
    if (!this.waiters.delete(this)) return;
    this.#timer.cancel();
    this.signal?.removeEventListener("abort", this);
    this.budget?.give();
    this.resolve();
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.context === b.context && a.lockToken === b.lockToken;
}
