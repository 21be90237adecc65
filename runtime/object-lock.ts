/**
 * The lock of one hosted object.
 *
 * A lock is held by a pair (context name, token): the context that took it and the token its proxy carries.
 * Default proxy tokens are random, so a context restarted under the same name holds none of its predecessor's
 * locks. The lock is consulted by the dispatcher when a call's turn comes in the object's queue, and lock
 * operations pass through the same queue, so locks and calls apply in arrival order.
 *
 * @module
 */

/** Who holds, or asks for, a lock. */
export interface LockHolder {
  /** The caller's context name (`qmi-context`; empty for clients that send none). */
  readonly context: string;
  /** The caller's token (`qmi-lock-token`). */
  readonly token: string;
}

/** The lock state of one object. */
export class ObjectLock {
  #holder: LockHolder | undefined;
  /** The lease the lock is tied to, if any (see `qmi.core.Lock/Lease`). */
  #leaseId: string | undefined;
  #releaseWaiters: (() => void)[] = [];

  /** True while someone holds the lock. */
  get isLocked(): boolean {
    return this.#holder !== undefined;
  }

  /**
   * True when a call from context `callerContext` carrying `lockToken` may use the object: it is not locked, or
   * that context and token hold the lock. (Checked before every call, so it takes the two strings: a holder
   * object is made only when the object is locked.)
   */
  permits(callerContext: string | undefined, lockToken: string | undefined): boolean {
    const holder = this.#holder;
    return holder === undefined || (!!lockToken && sameHolder(holder, { context: callerContext ?? "", token: lockToken }));
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

  /** Resolves at the next release, or after `ms` milliseconds, whichever comes first. */
  waitForRelease(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#releaseWaiters = this.#releaseWaiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#releaseWaiters.push(done);
    });
  }

  #release(): void {
    this.#holder = undefined;
    this.#leaseId = undefined;
    for (const waiter of [...this.#releaseWaiters]) waiter();
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.context === b.context && a.token === b.token;
}
