/**
 * `udp:host:port` over `node:dgram`: each write is one datagram; received datagrams from that peer are appended
 * to the input buffer in arrival order. UDP has no end of input; a lost reply is a timeout.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { TransportError } from "../protocol/errors.ts";
import { BufferedTransport } from "./buffered-transport.ts";
import { numberValue, stringValue, type DescriptorSpec, type ParsedDescriptor } from "./descriptor.ts";

/** The `udp` scheme. */
export const udpSpec: DescriptorSpec = {
  scheme: "udp",
  positional: [
    { name: "host", kind: "string", required: true },
    { name: "port", kind: "integer", required: true, min: 1, max: 65535 },
  ],
  attributes: [],
  example: "udp:127.0.0.1:18190",
};

/** A UDP socket connected to one peer. */
export class UdpTransport extends BufferedTransport {
  readonly host: string;
  readonly port: number;
  #socket: Socket | undefined;

  constructor(descriptor: ParsedDescriptor) {
    super(descriptor.text);
    this.host = stringValue(descriptor, "host")!;
    this.port = numberValue(descriptor, "port")!;
  }

  protected async doOpen(): Promise<void> {
    const socket = createSocket(isIPv6(this.host) ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", (error) => {
        socket.close();
        reject(new TransportError(`${this.descriptor}: cannot open a UDP socket to ${this.host}:${this.port} (${error.message})`, { cause: error }));
      });
      socket.connect(this.port, this.host, () => {
        socket.removeAllListeners("error");
        resolve();
      });
    });
    socket.on("message", (message) => this.input.push(message));
    socket.on("error", () => {}); // ICMP errors (port unreachable) surface as read timeouts
    this.#socket = socket;
  }

  protected async doClose(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  async write(data: Uint8Array | string): Promise<void> {
    this.checkOpen();
    const socket = this.#socket!;
    await new Promise<void>((resolve, reject) => {
      socket.send(BufferedTransport.bytes(data), (error) =>
        error ? reject(new TransportError(`${this.descriptor}: send failed (${error.message})`, { cause: error })) : resolve(),
      );
    });
  }
}
