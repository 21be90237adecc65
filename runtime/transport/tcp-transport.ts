/**
 * `tcp:host:port[:connect_timeout=seconds]` over `node:net`. A peer closing the connection ends the input
 * ({@link EndOfInputError} for reads that cannot be satisfied from the buffer).
 *
 * @module
 */
import { Socket } from "node:net";
import { EndOfInputError, TransportError } from "../protocol/errors.ts";
import { BufferedTransport } from "./buffered-transport.ts";
import { numberValue, stringValue, type DescriptorSpec, type ParsedDescriptor } from "./descriptor.ts";

/** The `tcp` scheme. */
export const tcpSpec: DescriptorSpec = {
  scheme: "tcp",
  positional: [
    { name: "host", kind: "string", required: true },
    { name: "port", kind: "integer", required: true, min: 1, max: 65535 },
  ],
  attributes: [{ name: "connect_timeout", kind: "number", min: 0, max: 3600 }],
  example: "tcp:127.0.0.1:5025:connect_timeout=5",
};

/** Default connect timeout, seconds. */
const DEFAULT_CONNECT_TIMEOUT = 5;

/** A TCP client connection. */
export class TcpTransport extends BufferedTransport {
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  #socket: Socket | undefined;

  constructor(descriptor: ParsedDescriptor) {
    super(descriptor.text);
    this.host = stringValue(descriptor, "host")!;
    this.port = numberValue(descriptor, "port")!;
    this.connectTimeout = numberValue(descriptor, "connect_timeout") ?? DEFAULT_CONNECT_TIMEOUT;
  }

  protected async doOpen(): Promise<void> {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError(`${this.descriptor}: no connection to ${this.host}:${this.port} within ${this.connectTimeout} s; check the address and that the instrument is on`));
      }, this.connectTimeout * 1000);
      socket.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TransportError(`${this.descriptor}: cannot connect to ${this.host}:${this.port} (${error.code ?? error.message}); check the address and that the instrument is on`, { cause: error }));
      });
      socket.connect(this.port, this.host, () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve();
      });
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.input.push(chunk));
    socket.on("error", (error) => this.input.end(new EndOfInputError(`${this.descriptor}: connection failed (${error.message})`)));
    socket.on("close", () => this.input.end(new EndOfInputError(`${this.descriptor}: the instrument closed the connection`)));
    this.#socket = socket;
  }

  protected async doClose(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 200); // a peer that never answers our FIN
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  async write(data: Uint8Array | string): Promise<void> {
    this.checkOpen();
    const socket = this.#socket;
    if (!socket || socket.destroyed || !socket.writable) {
      throw new EndOfInputError(`${this.descriptor}: the connection is closed; close() and open() the instrument again`);
    }
    await new Promise<void>((resolve, reject) => {
      socket.write(BufferedTransport.bytes(data), (error) =>
        error ? reject(new TransportError(`${this.descriptor}: write failed (${error.message})`, { cause: error })) : resolve(),
      );
    });
  }
}
