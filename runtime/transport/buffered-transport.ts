/**
 * The shared half of every built-in transport: the read API over an {@link InputBuffer}, and the open/closed
 * checks. Subclasses implement `doOpen`, `doClose` and `write`, and feed input via `input.push()` (or `pull`).
 *
 * @module
 */
import { TransportError, UsageError } from "../protocol/errors.ts";
import { InputBuffer, type Pull } from "./input-buffer.ts";
import type { Transport } from "./transport.ts";

/** Base class of transports whose input is buffered. @internal */
export abstract class BufferedTransport implements Transport {
  protected readonly input: InputBuffer;
  #open = false;

  constructor(readonly descriptor: string) {
    this.input = new InputBuffer(descriptor);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    if (this.#open) throw new UsageError(`Transport ${this.descriptor} is already open`);
    this.input.reset();
    await this.doOpen();
    this.#open = true;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    try {
      await this.doClose();
    } finally {
      this.input.reset();
    }
  }

  abstract write(data: Uint8Array | string): Promise<void>;

  async read(n: number, timeout: number): Promise<Buffer> {
    this.checkOpen();
    return this.input.read(n, timeout, this.pull());
  }

  async readUntil(terminator: Uint8Array | string, timeout: number): Promise<Buffer> {
    this.checkOpen();
    return this.input.readUntil(terminator, timeout, this.pull());
  }

  async readUntilTimeout(n: number, timeout: number): Promise<Buffer> {
    this.checkOpen();
    return this.input.readUntilTimeout(n, timeout, this.pull());
  }

  async discardRead(): Promise<void> {
    this.checkOpen();
    this.input.discard();
  }

  /** Connection work of `open()`. */
  protected abstract doOpen(): Promise<void>;
  /** Disconnection work of `close()`. */
  protected abstract doClose(): Promise<void>;
  /** A pull function for transports that must ask for input (USBTMC); push transports return undefined. */
  protected pull(): Pull | undefined {
    return undefined;
  }

  /** Throws unless open. */
  protected checkOpen(): void {
    if (!this.#open) throw new TransportError(`Transport ${this.descriptor} is not open; call open() first`);
  }

  /** Converts a string (latin1, byte per character) or bytes to a Buffer. */
  protected static bytes(data: Uint8Array | string): Buffer {
    return typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
}
