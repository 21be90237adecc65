/**
 * The base class of SCPI instrument drivers: one SCPI session over a transport made from the driver's descriptor,
 * opened with the status cleared (`*CLS`), fresh-reply queries, a settable reply timeout and `getIdn()`.
 *
 * ```ts
 * export class MyGenerator extends ScpiInstrument {
 *   constructor(init: RpcObjectInit, transport: string) {
 *     super(init, transport, { defaults: { port: 5025 }, schemes: ["tcp", "usbtmc"] });
 *   }
 *   /** The frequency, Hz. *\/
 *   @rpcMethod async getFrequency(): Promise<number> {
 *     return ScpiProtocol.number(await this.query("FREQ?"), "FREQ?");
 *   }
 * }
 * ```
 *
 * @module
 */
import { checkRange } from "./argument-checks.ts";
import { rpcMethod } from "./decorators.ts";
import type { InstrumentIdn } from "./instrument-idn.ts";
import { Instrument } from "./instrument.ts";
import type { RpcObjectInit } from "./rpc-object.ts";
// The transport index registers the built-in transports (tcp, udp, serial, usbtmc) that descriptors name.
import { ScpiProtocol, createTransport, type CreateTransportOptions, type ScpiOptions } from "../transport/index.ts";

/** How a SCPI driver reaches its instrument: transport defaults and schemes, and the SCPI session options. */
export interface ScpiInstrumentOptions extends CreateTransportOptions, ScpiOptions {}

/** Base class of SCPI drivers. */
export abstract class ScpiInstrument extends Instrument {
  /** The SCPI session with the instrument. */
  protected readonly scpi: ScpiProtocol;

  /**
   * @param transport - the descriptor given to `makeInstrument`, completed with `options.defaults`
   */
  constructor(init: RpcObjectInit, transport: string, options: ScpiInstrumentOptions) {
    super(init);
    const { defaults, schemes, ...session } = options;
    this.scpi = new ScpiProtocol(createTransport(transport, { defaults, schemes }), session);
  }

  protected override async onOpen(): Promise<void> {
    await this.scpi.transport.open();
    try {
      await this.scpi.write("*CLS");
      await this.onConnected();
    } catch (error) {
      await this.scpi.transport.close();
      throw error;
    }
  }

  /** Set-up right after the connection opened and the status was cleared; override for instrument settings. */
  protected async onConnected(): Promise<void> {}

  protected override async onClose(): Promise<void> {
    await this.scpi.transport.close();
  }

  /** A query whose reply is read fresh: input still buffered (a late reply to a query that timed out) is dropped. */
  protected async query(query: string): Promise<string> {
    await this.scpi.transport.discardRead();
    return this.scpi.ask(query);
  }

  // The `@rpcMethod` TSDoc tags below survive into the .d.ts, which has no decorators, for a lab's `qmi gen`.
  /**
   * Set how long to wait for each reply.
   * @param seconds - from 0.01 s to 600 s
   *
   * @rpcMethod requiresOpen=false
   */
  @rpcMethod({ requiresOpen: false })
  async setReplyTimeout(seconds: number): Promise<void> {
    checkRange("seconds", seconds, 0.01, 600, "s");
    this.scpi.timeout = seconds;
  }

  /**
   * Restore the instrument's default state (`*RST`; outputs are off after it on most instruments), clear the
   * error queue, apply the driver's connection settings again and wait until done.
   *
   * @rpcMethod
   */
  @rpcMethod
  async reset(): Promise<void> {
    await this.scpi.write("*RST");
    await this.scpi.write("*CLS");
    await this.query("*OPC?");
    await this.onConnected();
  }

  /**
   * Vendor, model, serial number and firmware version (`*IDN?`).
   *
   * @rpcMethod
   */
  @rpcMethod
  async getIdn(): Promise<InstrumentIdn> {
    await this.scpi.transport.discardRead();
    return this.scpi.askIdn();
  }
}
