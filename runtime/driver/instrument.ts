/**
 * The base class of instrument drivers.
 *
 * An instrument starts closed. Every `@rpcMethod` of a driver requires the instrument to be open, except those
 * marked `@rpcMethod({ requiresOpen: false })` (such as `open` and `isOpen`); the context refuses other calls
 * with a {@link NotOpenError} before the method runs. Drivers put their connection work in {@link onOpen} and
 * {@link onClose} rather than overriding `open`/`close`:
 *
 * ```ts
 * export class MyMeter extends Instrument {
 *   protected override async onOpen() { await this.transport.open(); }
 *   protected override async onClose() { await this.transport.close(); }
 * }
 * ```
 *
 * Calls to one instrument run one at a time, in arrival order, so a driver needs no locking of its own.
 *
 * @module
 */
import { rpcMethod } from "./decorators.ts";
import { NotOpenError, UsageError } from "../protocol/errors.ts";
import { RpcObject } from "./rpc-object.ts";

/** Base class of instrument drivers: `open()`, `close()` and `isOpen()` are RPC methods of every driver. */
export class Instrument extends RpcObject {
  // Not a `#private` field: in a class with decorators the TypeScript loaders (esbuild) turn those into WeakMap
  // lookups, and this one is read before every call to the instrument.
  private openState = false;

  // The `@rpcMethod` TSDoc tags below survive into the .d.ts, which has no decorators, for a lab's `qmi gen`.
  /**
   * Open the connection to the instrument. Fails when it is already open.
   *
   * @rpcMethod requiresOpen=false
   */
  @rpcMethod({ requiresOpen: false })
  async open(): Promise<void> {
    if (this.openState) throw new UsageError(`Instrument ${this.name} is already open; close() it first`);
    await this.onOpen();
    this.openState = true;
  }

  /**
   * Close the connection to the instrument. Fails when it is not open.
   *
   * @rpcMethod requiresOpen=false
   */
  @rpcMethod({ requiresOpen: false })
  async close(): Promise<void> {
    if (!this.openState) throw new UsageError(`Instrument ${this.name} is not open, so it cannot be closed`);
    try {
      await this.onClose();
    } finally {
      this.openState = false;
    }
  }

  /**
   * True when the instrument is open.
   *
   * @rpcMethod requiresOpen=false
   */
  @rpcMethod({ requiresOpen: false })
  async isOpen(): Promise<boolean> {
    return this.openState;
  }

  /** Throws a {@link NotOpenError} unless the instrument is open (the context checks this before each call). */
  checkIsOpen(): void {
    if (!this.openState) throw new NotOpenError(`Instrument ${this.name} is not open; call open() first`);
  }

  /** Connection work of `open()`; override in drivers. */
  protected async onOpen(): Promise<void> {}

  /** Disconnection work of `close()`; override in drivers. */
  protected async onClose(): Promise<void> {}

  /** Closes the instrument if it is still open when the context removes it. */
  override async release(): Promise<void> {
    if (this.openState) await this.close();
  }
}
