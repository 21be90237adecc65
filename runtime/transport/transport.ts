/**
 * The one API of every byte transport (serial, TCP, UDP, USBTMC), as drivers see it.
 *
 * ```ts
 * const t = createTransport("tcp:127.0.0.1:5025");
 * await t.open();
 * await t.write(Buffer.from("*IDN?\n"));
 * const line = await t.readUntil("\n", 2);   // Buffer including the "\n"
 * await t.close();
 * ```
 *
 * Timeouts are in seconds. A read that times out throws {@link TransportTimeoutError} and keeps what arrived
 * buffered for the next read; input that ends (peer closed, device gone) throws {@link EndOfInputError}.
 * A transport is used by one driver, whose calls run one at a time: methods must not be called concurrently.
 *
 * @module
 */

/** A byte connection to an instrument. */
export interface Transport {
  /** The descriptor this transport was made from, for messages (e.g. `tcp:127.0.0.1:5025`). */
  readonly descriptor: string;
  /** Open the connection. Fails with a `TransportError` naming the descriptor and the reason. */
  open(): Promise<void>;
  /** Close the connection; buffered input is dropped. Closing a closed transport does nothing. */
  close(): Promise<void>;
  /** True between a successful `open()` and `close()`. */
  readonly isOpen: boolean;
  /** Send all of `data`. */
  write(data: Uint8Array | string): Promise<void>;
  /** Exactly `n` bytes, waiting at most `timeout` seconds. */
  read(n: number, timeout: number): Promise<Buffer>;
  /** Bytes up to and including the first `terminator`, waiting at most `timeout` seconds. */
  readUntil(terminator: Uint8Array | string, timeout: number): Promise<Buffer>;
  /** Up to `n` bytes: what has arrived when `n` bytes are there or `timeout` seconds have passed (never throws on timeout). */
  readUntilTimeout(n: number, timeout: number): Promise<Buffer>;
  /** Drop every byte received and not yet read. */
  discardRead(): Promise<void>;
}



