/**
 * Lock waiters counted per client connection, beside the per-object bound of `ObjectLock`: one client cannot hold
 * more than {@link MAX_LOCK_WAITERS_PER_CONNECTION} sleeping `Lock` calls on a context, whatever objects they
 * name, so it can neither exhaust the server's memory nor take every object's waiting places.
 *
 * @module
 */
import { ResourceExhaustedError } from "../protocol/errors.ts";
import type { WaiterBudget } from "../host/object-lock.ts";

/** The most `Lock` calls of one client connection that may wait at a time; more fail with `ResourceExhaustedError`. */
export const MAX_LOCK_WAITERS_PER_CONNECTION = 64;

/** The waiting `Lock` calls of one context, counted by client connection. */
export class ConnectionWaiters {
  /** Connection -> its waiters now; a connection leaves the map when its count returns to 0. */
  readonly #counts = new Map<string, number>();

  /** The budget of the connection named `connection` (e.g. the client's `address:port`). */
  budget(connection: string): WaiterBudget {
    return new ConnectionBudget(this.#counts, connection);
  }

  /** Waiters of `connection` now. */
  count(connection: string): number {
    return this.#counts.get(connection) ?? 0;
  }
}

class ConnectionBudget implements WaiterBudget {
  constructor(
    private readonly counts: Map<string, number>,
    private readonly connection: string,
  ) {}

  take(): void {
    const count = this.counts.get(this.connection) ?? 0;
    if (count >= MAX_LOCK_WAITERS_PER_CONNECTION) {
      throw new ResourceExhaustedError(
        `${count} Lock calls of this connection already wait, the most allowed (MAX_LOCK_WAITERS_PER_CONNECTION); wait for them, or try again later`,
      );
    }
    this.counts.set(this.connection, count + 1);
  }

  give(): void {
    const count = (this.counts.get(this.connection) ?? 0) - 1;
    if (count > 0) this.counts.set(this.connection, count);
    else this.counts.delete(this.connection);
  }
}
