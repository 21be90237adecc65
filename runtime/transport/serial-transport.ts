/**
 * `serial:<device>:baudrate=<n>[:bytesize=5..8][:parity=N|E|O][:stopbits=1|1.5|2][:rtscts=true|false]` through the
 * `serialport` package (loaded only when a serial transport opens). Drivers usually supply the baud rate.
 * A device that disappears ends the input ({@link EndOfInputError}).
 *
 * @module
 */
import type { SerialPort } from "serialport";
import { EndOfInputError, TransportError } from "../protocol/errors.ts";
import { BufferedTransport } from "./buffered-transport.ts";
import { booleanValue, numberValue, stringValue, type DescriptorSpec, type ParsedDescriptor } from "./descriptor.ts";

/** The `serial` scheme. */
export const serialSpec: DescriptorSpec = {
  scheme: "serial",
  positional: [{ name: "device", kind: "string", required: true }],
  attributes: [
    { name: "baudrate", kind: "integer", required: true, min: 50, max: 4_000_000 },
    { name: "bytesize", kind: "integer", min: 5, max: 8 },
    { name: "parity", kind: { oneOf: ["N", "E", "O"] } },
    { name: "stopbits", kind: { oneOf: ["1", "1.5", "2"] } },
    { name: "rtscts", kind: "boolean" },
  ],
  example: "serial:/dev/ttyUSB0:baudrate=115200:parity=N:stopbits=1",
};

const parityNames = { N: "none", E: "even", O: "odd" } as const;

/** A serial port. */
export class SerialTransport extends BufferedTransport {
  readonly device: string;
  readonly baudRate: number;
  readonly dataBits: 5 | 6 | 7 | 8;
  readonly parity: "none" | "even" | "odd";
  readonly stopBits: 1 | 1.5 | 2;
  readonly rtscts: boolean;
  #port: SerialPort | undefined;

  constructor(descriptor: ParsedDescriptor) {
    super(descriptor.text);
    this.device = stringValue(descriptor, "device")!;
    this.baudRate = numberValue(descriptor, "baudrate")!;
    this.dataBits = (numberValue(descriptor, "bytesize") ?? 8) as 5 | 6 | 7 | 8;
    this.parity = parityNames[(stringValue(descriptor, "parity") ?? "N") as keyof typeof parityNames];
    this.stopBits = Number(stringValue(descriptor, "stopbits") ?? "1") as 1 | 1.5 | 2;
    this.rtscts = booleanValue(descriptor, "rtscts") ?? false;
  }

  protected async doOpen(): Promise<void> {
    let SerialPortClass: typeof SerialPort;
    try {
      ({ SerialPort: SerialPortClass } = await import("serialport"));
    } catch (error) {
      throw new TransportError(`${this.descriptor}: the serialport package cannot be loaded (${(error as Error).message}); run npm install`, { cause: error });
    }
    const port = new SerialPortClass({
      path: this.device,
      baudRate: this.baudRate,
      dataBits: this.dataBits,
      parity: this.parity,
      stopBits: this.stopBits,
      rtscts: this.rtscts,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error
          ? reject(new TransportError(`${this.descriptor}: cannot open serial port ${this.device} (${error.message}); check the device name and its permissions`, { cause: error }))
          : resolve(),
      ),
    );
    port.on("data", (chunk: Buffer) => this.input.push(chunk));
    port.on("error", (error: Error) => this.input.end(new EndOfInputError(`${this.descriptor}: serial port failed (${error.message})`)));
    port.on("close", () => this.input.end(new EndOfInputError(`${this.descriptor}: the serial port ${this.device} was closed or disconnected`)));
    this.#port = port;
  }

  protected async doClose(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async write(data: Uint8Array | string): Promise<void> {
    this.checkOpen();
    const port = this.#port;
    if (!port?.isOpen) throw new EndOfInputError(`${this.descriptor}: the serial port is closed or was disconnected`);
    await new Promise<void>((resolve, reject) => {
      port.write(BufferedTransport.bytes(data), (error) => {
        if (error) reject(new TransportError(`${this.descriptor}: write failed (${error.message})`, { cause: error }));
        else port.drain((drainError) => (drainError ? reject(new TransportError(`${this.descriptor}: write failed (${drainError.message})`)) : resolve()));
      });
    });
  }
}
