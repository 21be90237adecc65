/**
 * Stanford Research Systems DC205 precision DC voltage source over its USB serial port (fixed at 115200 baud) or
 * RS-232 (9600 baud 8N1 at power-on: pass `baudrate=9600`). Commands from the DC205 operation manual, chapter
 * "Remote Operation": ASCII, ended by CR or LF; token values (`RNGE`, `SOUT`...) are answered as numbers or as text
 * depending on `TOKN`, and the driver accepts both. After each setting the driver reads the last execution error
 * (`LEXE?`) and the last command error (`LCME?`), which each query clears, and raises them.
 *
 * ```ts
 * const source = await qmi.makeInstrument("source", SrsDc205, "serial:/dev/ttyUSB0");
 * await source.open();
 * await source.setRange(10);         // ±10 V, with the output off
 * await source.setVoltage(-2.5);     // V
 * await source.setOutputEnabled(true);
 * ```
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/srs/dc205.ts";
import {
  Instrument,
  InstrumentError,
  InvalidArgumentError,
  checkRange,
  rpcMethod,
  type InstrumentIdn,
  type RpcObjectInit,
  type int32,
} from "../../runtime/driver/driver-api.ts";
import { ScpiProtocol, createTransport } from "../../runtime/transport/index.ts";

/** `LEXE?` codes (manual, "Last execution error"). */
const EXECUTION_ERRORS: Record<number, string> = {
  1: "illegal value",
  2: "wrong token",
  3: "invalid bit",
  4: "queue full",
  5: "not compatible (e.g. a range change while the output is on)",
};

/** `LCME?` codes (manual, "Last command error"). */
const COMMAND_ERRORS: Record<number, string> = {
  1: "illegal command",
  2: "undefined command",
  3: "illegal query",
  4: "illegal set",
  5: "missing parameter(s)",
  6: "extra parameter(s)",
  7: "null parameter(s)",
  8: "parameter buffer overflow",
  9: "bad floating-point",
  10: "bad integer",
  11: "bad integer token",
  12: "bad token value",
  13: "bad hex block",
  14: "unknown token",
};

/** Output ranges, V (bipolar: range 10 means -10 V to +10 V), in `RNGE` token order. */
const RANGES = [1, 10, 100] as const;

/** Reply timeout, s. */
const TIMEOUT = 2;
/** Reply timeout after `*RST`, s. */
const RESET_TIMEOUT = 5;

/** SRS DC205 voltage source: one bipolar output, ranges ±1 V, ±10 V and ±100 V. */
export class SrsDc205 extends Instrument {
  readonly #scpi: ScpiProtocol;

  /**
   * @param transport - `serial:<device>` (115200 baud 8N1 by default, the USB port's fixed rate; the RS-232 port
   *   starts at 9600 baud)
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init);
    this.#scpi = new ScpiProtocol(
      createTransport(transport, { defaults: { baudrate: 115200, bytesize: 8, parity: "N", stopbits: "1" }, schemes: ["serial"] }),
      { writeTerminator: "\n", readTerminator: "\n", timeout: TIMEOUT },
    );
  }

  protected override async onOpen(): Promise<void> {
    await this.#scpi.transport.open();
    try {
      // A leading LF ends any partial command in the instrument's input buffer; TERM LF makes replies end in LF.
      await this.#scpi.transport.discardRead();
      await this.#scpi.transport.write("\nTERM LF\n");
      await this.#errorStatus(); // clears both error codes, and shows the instrument answers
    } catch (error) {
      await this.#scpi.transport.close();
      throw error;
    }
  }

  protected override async onClose(): Promise<void> {
    await this.#scpi.transport.close();
  }

  /**
   * Vendor, model, serial number and firmware version, from `*IDN?`
   * (`Stanford Research Systems,DC205,s/n20512345,ver1.00` gives serial `20512345` and version `1.00`).
   */
  @rpcMethod
  async getIdn(): Promise<InstrumentIdn> {
    const idn = await this.#scpi.askIdn();
    return { ...idn, serial: idn.serial.replace(/^s\/n/i, ""), version: idn.version.replace(/^ver/i, "") };
  }

  /** Restore the default settings (`*RST`: range ±1 V, ground referenced, two-wire, output off, 0 V). */
  @rpcMethod
  async reset(): Promise<void> {
    await this.#errorStatus(); // clears both error codes
    await this.#scpi.write("*RST");
    await this.#scpi.ask("*OPC?", { timeout: RESET_TIMEOUT });
    await this.#checkErrors("*RST");
  }

  /** The output range (`RNGE?`), V: 1, 10 or 100 (bipolar, e.g. 10 means -10 V to +10 V). */
  @rpcMethod
  async getRange(): Promise<int32> {
    return RANGES[await this.#askToken("RNGE?", ["RANGE1", "RANGE10", "RANGE100"])]!;
  }

  /**
   * Set the output range (`RNGE`); the instrument refuses a change while the output is on, and the 100 V range
   * needs the safety interlock closed.
   * @param range - V: 1, 10 or 100
   */
  @rpcMethod
  async setRange(range: int32): Promise<void> {
    const index = RANGES.indexOf(range as (typeof RANGES)[number]);
    if (index < 0) throw new InvalidArgumentError(`Bad value for range: ${String(range)} V; expected one of 1, 10, 100 V`);
    await this.#set(`RNGE ${index}`);
  }

  /** The voltage setting (`VOLT?`), V. The DC205 does not measure its output; this is the setting. */
  @rpcMethod
  async getVoltage(): Promise<number> {
    return ScpiProtocol.number(await this.#scpi.ask("VOLT?"), "VOLT?");
  }

  /**
   * Set the output voltage (`VOLT`); the instrument refuses a voltage outside the present range.
   * @param voltage - V, from -100 to 100, within the present range (see `getRange`)
   */
  @rpcMethod
  async setVoltage(voltage: number): Promise<void> {
    checkRange("voltage", voltage, -100, 100, "V");
    await this.#set(`VOLT ${voltage.toFixed(6)}`);
  }

  /** True when the output is on (`SOUT?`). */
  @rpcMethod
  async getOutputEnabled(): Promise<boolean> {
    return (await this.#askToken("SOUT?", ["OFF", "ON"])) === 1;
  }

  /**
   * Switch the output on or off (`SOUT`).
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(enabled: boolean): Promise<void> {
    await this.#set(`SOUT ${enabled ? 1 : 0}`);
  }

  /** True when the output floats, false when it is ground referenced (`ISOL?`). */
  @rpcMethod
  async getOutputFloating(): Promise<boolean> {
    return (await this.#askToken("ISOL?", ["GROUND", "FLOAT"])) === 1;
  }

  /**
   * Float the output or reference it to ground (`ISOL`).
   * @param floating - true to float
   */
  @rpcMethod
  async setOutputFloating(floating: boolean): Promise<void> {
    await this.#set(`ISOL ${floating ? 1 : 0}`);
  }

  /** True when the safety interlock is closed (`ILOC?`); the 100 V range needs it closed. */
  @rpcMethod
  async getInterlockClosed(): Promise<boolean> {
    return (await this.#askToken("ILOC?", ["OPEN", "CLOSED"])) === 1;
  }

  /** True when the output is overloaded (`OVLD?`). */
  @rpcMethod
  async getOverloaded(): Promise<boolean> {
    return (await this.#askToken("OVLD?", ["OKAY", "OVLD"])) === 1;
  }

  /** True when token replies come as text, false when as numbers (`TOKN?`); the driver reads both. */
  @rpcMethod
  async getTokenMode(): Promise<boolean> {
    return (await this.#askToken("TOKN?", ["OFF", "ON"])) === 1;
  }

  /**
   * Answer token queries as text (`ON`) or as numbers (`OFF`) (`TOKN`).
   * @param text - true for text replies such as `RANGE10`
   */
  @rpcMethod
  async setTokenMode(text: boolean): Promise<void> {
    await this.#set(`TOKN ${text ? 1 : 0}`);
  }

  /** Sends a setting, then raises the execution or command error it caused. */
  async #set(command: string): Promise<void> {
    await this.#scpi.write(command);
    await this.#checkErrors(command);
  }

  async #checkErrors(command: string): Promise<void> {
    const [execution, commandError] = await this.#errorStatus();
    if (execution !== 0) {
      throw new InstrumentError(`DC205 refused ${JSON.stringify(command)}: execution error ${execution} (${EXECUTION_ERRORS[execution] ?? "unknown code"})`);
    }
    if (commandError !== 0) {
      throw new InstrumentError(`DC205 refused ${JSON.stringify(command)}: command error ${commandError} (${COMMAND_ERRORS[commandError] ?? "unknown code"})`);
    }
  }

  /** `[LEXE?, LCME?]`; reading clears both. */
  async #errorStatus(): Promise<[number, number]> {
    const execution = ScpiProtocol.number(await this.#scpi.ask("LEXE?"), "LEXE?");
    const command = ScpiProtocol.number(await this.#scpi.ask("LCME?"), "LCME?");
    return [execution, command];
  }

  /** A token reply as its index: the number (TOKN OFF) or the position of the text (TOKN ON) in `tokens`. */
  async #askToken(query: string, tokens: readonly string[]): Promise<number> {
    const reply = (await this.#scpi.ask(query)).trim();
    const byName = tokens.indexOf(reply.toUpperCase());
    if (byName >= 0) return byName;
    const byNumber = /^\d+$/.test(reply) ? Number(reply) : -1;
    if (byNumber >= 0 && byNumber < tokens.length) return byNumber;
    await this.#scpi.transport.discardRead();
    throw new InstrumentError(`DC205: unexpected reply to ${query}: ${JSON.stringify(reply)}; expected one of ${tokens.join(", ")} or 0..${tokens.length - 1}`);
  }
}
