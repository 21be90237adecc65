/**
 * Simulated SRS DC205 precision DC voltage source, after its operation manual's remote commands: `*IDN?`, `*RST`,
 * `*OPC?`, `TOKN(?)`, `TERM`, `RNGE(?)`, `VOLT(?)`, `SOUT(?)`, `ISOL(?)`, `ILOC?`, `OVLD?`, and the last execution
 * and command errors `LEXE?` / `LCME?` (each cleared when read). Commands end in CR or LF; replies end in CR LF
 * until `TERM LF` (the sim's choice of default). Several commands per line are separated by `;`.
 *
 * What the sim decides where the pages read did not say: a voltage outside the present range, a range change with
 * the output on and the 100 V range with the interlock open are refused with execution errors 1, 5 and 5.
 *
 * @module
 */
import { LineSimInstrument, type SimConnection, type SimEndpoint } from "./sim-instrument.ts";

const RANGE_TOKENS = ["RANGE1", "RANGE10", "RANGE100"];
const RANGE_VOLTS = [1, 10, 100];
const TERMINATORS: Record<string, string> = { NONE: "", CR: "\r", LF: "\n", CRLF: "\r\n", LFCR: "\n\r" };
const TERM_ORDER = ["NONE", "CR", "LF", "CRLF", "LFCR"];

/** The simulator. */
export class SrsDc205Sim extends LineSimInstrument {
  range = 0;
  voltage = 0;
  output = false;
  floating = false;
  fourWire = false;
  tokenText = false;
  interlockClosed = true;
  overloaded = false;
  /** Reply terminator (`TERM`). */
  terminator = "\r\n";
  /** Last execution error (`LEXE?`) and command error (`LCME?`). */
  lastExecutionError = 0;
  lastCommandError = 0;

  constructor(readonly serial = "20512345") {
    super("\n", "\n");
  }

  /** Replies end in the `TERM` terminator: the base class appends `\n`, which is swapped here. */
  override connect(endpoint: SimEndpoint): SimConnection {
    const inner = super.connect({
      send: (data) => endpoint.send(typeof data === "string" ? data.replace(/\n$/, this.terminator) : data),
      disconnect: () => endpoint.disconnect(),
    });
    // CR also ends a command
    return { receive: (data) => inner.receive(Buffer.from(data.toString("latin1").replace(/\r\n?/g, "\n"), "latin1")) };
  }

  protected handleLine(line: string): string | undefined {
    const replies = line
      .split(";")
      .map((unit) => unit.trim())
      .filter((unit) => unit !== "")
      .map((unit) => this.#handle(unit))
      .filter((reply): reply is string => reply !== undefined);
    return replies.length > 0 ? replies.join(";") : undefined;
  }

  #handle(unit: string): string | undefined {
    const match = /^(\*?[A-Za-z]+)(\?)?\s*(.*)$/.exec(unit);
    if (!match) return this.#commandError(1);
    const header = match[1]!.toUpperCase();
    const query = match[2] === "?";
    const arg = match[3]!.trim();
    const token = (names: readonly string[], value: number) => (this.tokenText ? names[value]! : String(value));
    const parseToken = (names: readonly string[]): number | undefined => {
      if (arg === "") return void this.#commandError(5);
      const upper = arg.toUpperCase();
      const index = /^\d+$/.test(upper) ? Number(upper) : names.indexOf(upper);
      if (index < 0 || index >= names.length) return void this.#commandError(/^\d+$/.test(upper) ? 12 : 14);
      return index;
    };
    switch (header) {
      case "*IDN":
        return query ? `Stanford Research Systems,DC205,s/n${this.serial},ver1.00` : this.#commandError(4);
      case "*RST":
        if (query) return this.#commandError(3);
        Object.assign(this, { range: 0, voltage: 0, output: false, floating: false, fourWire: false });
        return undefined;
      case "*OPC":
        return query ? "1" : undefined;
      case "*CLS":
        return undefined;
      case "LEXE": {
        if (!query) return this.#commandError(4);
        const code = this.lastExecutionError;
        this.lastExecutionError = 0;
        return String(code);
      }
      case "LCME": {
        if (!query) return this.#commandError(4);
        const code = this.lastCommandError;
        this.lastCommandError = 0;
        return String(code);
      }
      case "TOKN": {
        if (query) return token(["OFF", "ON"], this.tokenText ? 1 : 0);
        const value = parseToken(["OFF", "ON"]);
        if (value !== undefined) this.tokenText = value === 1;
        return undefined;
      }
      case "TERM": {
        if (query) return token(TERM_ORDER, TERM_ORDER.indexOf(Object.keys(TERMINATORS).find((k) => TERMINATORS[k] === this.terminator) ?? "CRLF"));
        const value = parseToken(TERM_ORDER);
        if (value !== undefined) this.terminator = TERMINATORS[TERM_ORDER[value]!]!;
        return undefined;
      }
      case "RNGE": {
        if (query) return token(RANGE_TOKENS, this.range);
        const value = parseToken(RANGE_TOKENS);
        if (value === undefined) return undefined;
        if (this.output && value !== this.range) return this.#executionError(5);
        if (value === 2 && !this.interlockClosed) return this.#executionError(5);
        this.range = value;
        if (Math.abs(this.voltage) > RANGE_VOLTS[value]!) this.voltage = 0;
        return undefined;
      }
      case "VOLT": {
        if (query) return this.voltage.toFixed(6);
        if (arg === "") return this.#commandError(5);
        const value = Number(arg);
        if (!Number.isFinite(value)) return this.#commandError(9);
        if (Math.abs(value) > RANGE_VOLTS[this.range]!) return this.#executionError(1);
        this.voltage = value;
        return undefined;
      }
      case "SOUT": {
        if (query) return token(["OFF", "ON"], this.output ? 1 : 0);
        const value = parseToken(["OFF", "ON"]);
        if (value !== undefined) this.output = value === 1;
        return undefined;
      }
      case "ISOL": {
        if (query) return token(["GROUND", "FLOAT"], this.floating ? 1 : 0);
        const value = parseToken(["GROUND", "FLOAT"]);
        if (value !== undefined) this.floating = value === 1;
        return undefined;
      }
      case "SENS": {
        if (query) return token(["TWOWIRE", "FOURWIRE"], this.fourWire ? 1 : 0);
        const value = parseToken(["TWOWIRE", "FOURWIRE"]);
        if (value !== undefined) this.fourWire = value === 1;
        return undefined;
      }
      case "ILOC":
        return query ? token(["OPEN", "CLOSED"], this.interlockClosed ? 1 : 0) : this.#commandError(4);
      case "OVLD":
        return query ? token(["OKAY", "OVLD"], this.overloaded ? 1 : 0) : this.#commandError(4);
      default:
        return this.#commandError(2);
    }
  }

  #commandError(code: number): undefined {
    this.lastCommandError = code;
    return undefined;
  }

  #executionError(code: number): undefined {
    this.lastExecutionError = code;
    return undefined;
  }
}
