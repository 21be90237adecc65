/**
 * Lock leases: locks that last only as long as their holder's connection.
 *
 * A client opens a lease with the `qmi.core.Lock/Lease` stream and sends its id as `qmi-lease` metadata with
 * `Lock` calls. When the stream ends — the client cancels it, its connection drops or its process dies — every
 * lock still tied to the lease is released, through each object's queue like any other lock operation.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { UnknownNameError } from "../protocol/errors.ts";
import { getLogger } from "../logging/log.ts";
import type { ObjectRegistry } from "./object-registry.ts";

const log = getLogger("qmi.core.lock");

/** The open leases of one context. */
export class LockLeases {
  /** Lease id -> names of the objects locked under it. */
  readonly #leases = new Map<string, { readonly holder: string; readonly objects: Set<string> }>();

  constructor(
    private readonly contextName: string,
    private readonly objects: ObjectRegistry,
  ) {}

  /** Opens a lease for `holder` (a context name, for the log); returns its id. */
  open(holder: string): string {
    const id = randomUUID();
    this.#leases.set(id, { holder, objects: new Set() });
    return id;
  }

  /** Records that `object` is being locked under lease `id`; fails if the lease is not open. */
  touch(id: string, object: string): void {
    const lease = this.#leases.get(id);
    if (!lease) {
      throw new UnknownNameError(`Context ${this.contextName} has no open lease ${id}; open one with qmi.core.Lock/Lease`);
    }
    lease.objects.add(object);
  }

  /** Ends lease `id`: releases the locks still tied to it. */
  async end(id: string): Promise<void> {
    const lease = this.#leases.get(id);
    if (!lease) return;
    this.#leases.delete(id);
    for (const name of lease.objects) {
      const hosted = this.objects.get(name);
      if (!hosted) continue;
      const released = await hosted.queue.run(async () => hosted.lock.releaseLease(id));
      if (released) log.info(`${this.contextName}.${name} unlocked: the lease of ${lease.holder || "an unnamed client"} ended`);
    }
  }

  /** Number of open leases. */
  get size(): number {
    return this.#leases.size;
  }
}
