/**
 * Newport SMC100CC single-axis DC motion controller over RS-232 (57600 baud, 8 data bits, no parity, 1 stop bit
 * by default). Commands from the SMC100CC user's manual: `<address><command><value>` ended by CR LF; after each
 * command without a reply the driver reads the command error (`TE`) and raises it.
 *
 * ```ts
 * const stage = await qmi.makeInstrument("stage", NewportSmc100cc, "serial:/dev/ttyUSB0");
 * await stage.open();
 * await stage.home();
 * await stage.moveAbsolute(5);   // mm
 * ```
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/newport/smc100cc.ts";
import {
  Instrument,
  InstrumentError,
  checkInteger,
  checkRange,
  rpcMethod,
  type InstrumentIdn,
  type RpcObjectInit,
} from "../../runtime/driver/driver-api.ts";
import { createTransport, type Transport } from "../../runtime/transport/index.ts";

/** Meaning of the `TE` error letters (SMC100CC manual). */
const ERRORS: Record<string, string> = {
  A: "unknown message code or floating point controller address",
  B: "controller address not correct",
  C: "parameter missing or out of range",
  D: "command not allowed",
  E: "home sequence already started",
  F: "ESP stage name unknown",
  G: "displacement out of limits",
  H: "command not allowed in NOT REFERENCED state",
  I: "command not allowed in CONFIGURATION state",
  J: "command not allowed in DISABLE state",
  K: "command not allowed in READY state",
  L: "command not allowed in HOMING state",
  M: "command not allowed in MOVING state",
  N: "current position out of software limit",
  S: "communication time out",
  U: "error during EEPROM access",
  V: "error during command execution",
  W: "command not allowed for PP version",
  X: "command not allowed for CC version",
};

/** Controller states by `TS` code group. */
export type Smc100State = "NOT_REFERENCED" | "CONFIGURATION" | "HOMING" | "MOVING" | "READY" | "DISABLE" | "JOGGING";

function stateOf(code: number): Smc100State | undefined {
  if (code >= 0x0a && code <= 0x11) return "NOT_REFERENCED";
  if (code === 0x14) return "CONFIGURATION";
  if (code === 0x1e || code === 0x1f) return "HOMING";
  if (code === 0x28) return "MOVING";
  if (code >= 0x32 && code <= 0x35) return "READY";
  if (code >= 0x3c && code <= 0x3e) return "DISABLE";
  if (code === 0x46 || code === 0x47) return "JOGGING";
  return undefined;
}

const TIMEOUT = 2;

/** Newport SMC100CC motion controller (one axis; positions in mm for linear stages, degrees for rotation stages). */
export class NewportSmc100cc extends Instrument {
  readonly #transport: Transport;
  readonly #address: number;

  /**
   * @param transport - `serial:<device>` (57600 baud 8N1 by default)
   * @param address - controller address on the RS-485 bus, 1..31; default 1
   */
  constructor(init: RpcObjectInit, transport: string, address = 1) {
    super(init);
    this.#address = checkInteger("address", address, 1, 31);
    this.#transport = createTransport(transport, { defaults: { baudrate: 57600, bytesize: 8, parity: "N", stopbits: "1" }, schemes: ["serial"] });
  }

  protected override async onOpen(): Promise<void> {
    await this.#transport.open();
  }

  protected override async onClose(): Promise<void> {
    await this.#transport.close();
  }

  /** Vendor, model (`SMC100CC`), the connected stage's id as serial, and the firmware version (`VE`). */
  @rpcMethod
  async getIdn(): Promise<InstrumentIdn> {
    const version = (await this.#ask("VE")).trim();
    const stage = await this.#ask("ID", "?");
    return { vendor: "Newport", model: "SMC100CC", serial: stage.trim(), version };
  }

  /** The controller state (from `TS`). */
  @rpcMethod
  async getState(): Promise<Smc100State> {
    const reply = await this.#ask("TS");
    const state = /^[0-9A-F]{6}$/i.test(reply) ? stateOf(parseInt(reply.slice(4), 16)) : undefined;
    if (!state) throw new InstrumentError(`SMC100CC: unexpected TS reply ${JSON.stringify(reply)}; expected 4 hex error digits and a state code`);
    return state;
  }

  /** Home the axis (`OR`, search for the reference); needed once after power-up before moving. */
  @rpcMethod
  async home(): Promise<void> {
    await this.#command("OR");
  }

  /**
   * Move to an absolute position (`PA`).
   * @param position - mm (degrees for rotation stages), within the software limits
   */
  @rpcMethod
  async moveAbsolute(position: number): Promise<void> {
    checkRange("position", position, -1e12, 1e12, "mm");
    await this.#command("PA", String(position));
  }

  /**
   * Move by a displacement (`PR`).
   * @param displacement - mm (degrees for rotation stages)
   */
  @rpcMethod
  async moveRelative(displacement: number): Promise<void> {
    checkRange("displacement", displacement, -1e12, 1e12, "mm");
    await this.#command("PR", String(displacement));
  }

  /** The current position (`TP`), mm. */
  @rpcMethod
  async getPosition(): Promise<number> {
    return this.#number("TP");
  }

  /** Stop a motion (`ST`). */
  @rpcMethod
  async stop(): Promise<void> {
    await this.#command("ST");
  }

  /**
   * Set the velocity (`VA`).
   * @param velocity - mm/s, > 0
   */
  @rpcMethod
  async setVelocity(velocity: number): Promise<void> {
    checkRange("velocity", velocity, 1e-6, 1e12, "mm/s");
    await this.#command("VA", String(velocity));
  }

  /** The velocity (`VA?`), mm/s. */
  @rpcMethod
  async getVelocity(): Promise<number> {
    return this.#number("VA", "?");
  }

  /** The software limits (`SL?`, `SR?`), mm: `[lower, upper]`. */
  @rpcMethod
  async getLimits(): Promise<number[]> {
    return [await this.#number("SL", "?"), await this.#number("SR", "?")];
  }

  /** Reset the controller (`RS`); it comes back NOT REFERENCED. */
  @rpcMethod
  async resetController(): Promise<void> {
    await this.#transport.write(`${this.#address}RS\r\n`);
  }

  async #command(code: string, value = ""): Promise<void> {
    await this.#transport.write(`${this.#address}${code}${value}\r\n`);
    const error = (await this.#ask("TE")).trim();
    if (error !== "@") {
      throw new InstrumentError(`SMC100CC refused ${code}${value}: error ${error} (${ERRORS[error] ?? "unknown error code"})`);
    }
  }

  async #ask(code: string, value = ""): Promise<string> {
    await this.#transport.write(`${this.#address}${code}${value}\r\n`);
    const line = (await this.#transport.readUntil("\r\n", TIMEOUT)).toString("latin1").slice(0, -2);
    const prefix = `${this.#address}${code}`;
    if (!line.startsWith(prefix)) {
      await this.#transport.discardRead();
      throw new InstrumentError(`SMC100CC: unexpected reply ${JSON.stringify(line)} to ${prefix}${value}; expected it to start with ${prefix}`);
    }
    return line.slice(prefix.length);
  }

  async #number(code: string, value = ""): Promise<number> {
    const reply = await this.#ask(code, value);
    const result = Number(reply.trim());
    if (reply.trim() === "" || !Number.isFinite(result)) throw new InstrumentError(`SMC100CC: unexpected ${code} reply ${JSON.stringify(reply)}; expected a number`);
    return result;
  }
}
