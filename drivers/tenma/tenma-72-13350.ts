/**
 * Tenma 72-13350 (and 72-13360) programmable DC power supply over the LAN (UDP, port 18190 by default) or
 * USB-serial (115200 baud). Commands from the Tenma 72-13350 remote command manual; commands end in `\n`.
 * The supply acknowledges nothing and has no error queue, so setters read the setting back and fail when the
 * supply did not take it.
 *
 * ```ts
 * const psu = await qmi.makeInstrument("psu", Tenma7213350, "udp:192.168.1.30");
 * await psu.open();
 * await psu.setVoltage(12);
 * await psu.setOutputEnabled(true);
 * ```
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/tenma/tenma-72-13350.ts";
import { Instrument, InstrumentError, checkRange, rpcMethod, rpcConstant, type InstrumentIdn, type RpcObjectInit } from "../../runtime/driver/driver-api.ts";
import { createTransport, type Transport } from "../../runtime/transport/index.ts";

/** Output state and regulation mode, from `STATUS?`. */
export interface Tenma7213350Status {
  /** True in constant-voltage mode, false in constant-current mode. */
  constantVoltage: boolean;
  /** True when the output is on. */
  outputEnabled: boolean;
  /** True with current priority, false with voltage priority. */
  currentPriority: boolean;
  /** True when the beeper is on. */
  beep: boolean;
  /** True when the front panel is locked. */
  locked: boolean;
}

const TIMEOUT = 1;

/** Tenma 72-13350 single-channel power supply, 0–30 V, 0–30 A. */
export class Tenma7213350 extends Instrument {
  /** Highest voltage setting, V. */
  @rpcConstant static readonly MAX_VOLTAGE = 30;
  /** Highest current setting, A. */
  @rpcConstant static readonly MAX_CURRENT = 30;

  readonly #transport: Transport;

  /** @param transport - `udp:<host>[:<port>]` (port 18190 by default) or `serial:<device>` (115200 baud by default) */
  constructor(init: RpcObjectInit, transport: string) {
    super(init);
    this.#transport = createTransport(transport, { defaults: { port: 18190, baudrate: 115200 }, schemes: ["udp", "serial"] });
  }

  protected override async onOpen(): Promise<void> {
    await this.#transport.open();
  }

  protected override async onClose(): Promise<void> {
    await this.#transport.close();
  }

  /** Vendor, model, serial number and firmware version, from `*IDN?` (e.g. `TENMA 72-13350 SN:1234 V2.0`). */
  @rpcMethod
  async getIdn(): Promise<InstrumentIdn> {
    const reply = await this.#ask("*IDN?");
    const words = reply.split(/\s+/).filter(Boolean);
    const model = words.find((w) => w.startsWith("72-"));
    const serial = words.find((w) => w.toUpperCase().startsWith("SN:"));
    const version = words.find((w) => /^V\d/i.test(w));
    if (words.length < 2 || !model || !serial || !version) {
      throw new InstrumentError(`Tenma: unexpected *IDN? reply ${JSON.stringify(reply)}; expected e.g. "TENMA 72-13350 SN:1234 V2.0"`);
    }
    return { vendor: words[0]!, model, serial: serial.slice(3), version };
  }

  /**
   * Set the output voltage.
   * @param voltage - volts, 0 to 30
   */
  @rpcMethod
  async setVoltage(voltage: number): Promise<void> {
    checkRange("voltage", voltage, 0, Tenma7213350.MAX_VOLTAGE, "V");
    await this.#transport.write(`VSET:${voltage.toFixed(3)}\n`);
    await this.#verify("VSET?", voltage, "voltage");
  }

  /** The voltage setting, V. */
  @rpcMethod
  async getVoltage(): Promise<number> {
    return this.#number("VSET?");
  }

  /**
   * Set the current limit.
   * @param current - amperes, 0 to 30
   */
  @rpcMethod
  async setCurrent(current: number): Promise<void> {
    checkRange("current", current, 0, Tenma7213350.MAX_CURRENT, "A");
    await this.#transport.write(`ISET:${current.toFixed(3)}\n`);
    await this.#verify("ISET?", current, "current");
  }

  /** The current limit setting, A. */
  @rpcMethod
  async getCurrent(): Promise<number> {
    return this.#number("ISET?");
  }

  /** The measured output voltage, V. */
  @rpcMethod
  async measureVoltage(): Promise<number> {
    return this.#number("VOUT?");
  }

  /** The measured output current, A. */
  @rpcMethod
  async measureCurrent(): Promise<number> {
    return this.#number("IOUT?");
  }

  /**
   * Switch the output on or off (`OUT:1` / `OUT:0`), then check it with `STATUS?`.
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(enabled: boolean): Promise<void> {
    await this.#transport.write(`OUT:${enabled ? 1 : 0}\n`);
    if ((await this.getStatus()).outputEnabled !== enabled) {
      throw new InstrumentError(`Tenma: the output did not switch ${enabled ? "on" : "off"}; is the front panel locked?`);
    }
  }

  /** Regulation mode and output state (`STATUS?`). */
  @rpcMethod
  async getStatus(): Promise<Tenma7213350Status> {
    await this.#transport.write("STATUS?\n");
    const reply = await this.#transport.read(2, TIMEOUT);
    if (reply[1] !== 0x0a) {
      await this.#transport.discardRead();
      throw new InstrumentError(`Tenma: unexpected STATUS? reply ${JSON.stringify(reply.toString("latin1"))}; expected one status byte and "\\n"`);
    }
    const bits = reply[0]!;
    return {
      constantVoltage: (bits & 0x01) !== 0,
      outputEnabled: (bits & 0x02) !== 0,
      currentPriority: (bits & 0x04) !== 0,
      beep: (bits & 0x10) !== 0,
      locked: (bits & 0x20) !== 0,
    };
  }

  async #ask(query: string): Promise<string> {
    await this.#transport.discardRead();
    await this.#transport.write(`${query}\n`);
    return (await this.#transport.readUntil("\n", TIMEOUT)).toString("latin1").trim();
  }

  async #number(query: string): Promise<number> {
    const reply = await this.#ask(query);
    const value = Number(reply);
    if (!/^[-+]?\d+(\.\d+)?$/.test(reply) || !Number.isFinite(value)) {
      throw new InstrumentError(`Tenma: unexpected ${query} reply ${JSON.stringify(reply)}; expected a number`);
    }
    return value;
  }

  async #verify(query: string, wanted: number, what: string): Promise<void> {
    const actual = await this.#number(query);
    if (Math.abs(actual - wanted) > 0.0015) {
      throw new InstrumentError(`Tenma: the ${what} setting reads back as ${actual}, not ${wanted}`);
    }
  }
}
