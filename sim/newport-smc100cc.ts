/**
 * Simulated Newport SMC100CC single-axis DC motion controller, after its user's manual: ASCII commands
 * `<address><CC><value>` ended by CR LF; the last command error is read with `TE` (a letter, `@` for none),
 * state and error bits with `TS`. Moves complete at once.
 *
 * @module
 */
import { LineSimInstrument } from "./sim-instrument.ts";

/** The simulator (one controller on the bus). */
export class NewportSmc100ccSim extends LineSimInstrument {
  /** Controller state, a TS code such as 0x0A (NOT REFERENCED from reset). */
  state = 0x0a;
  position = 0;
  velocity = 2;
  lowerLimit = -12.5;
  upperLimit = 12.5;
  lastError = "@";

  constructor(
    readonly address = 1,
    readonly stageId = "CMA-25CCL",
  ) {
    super("\r\n", "\r\n");
  }

  protected handleLine(line: string): string | undefined {
    const match = /^(\d{1,2})([A-Za-z]{2})(.*)$/.exec(line.trim());
    if (!match) {
      this.lastError = "A";
      return undefined;
    }
    const [, addr, rawCode, rawArg] = match as unknown as [string, string, string, string];
    if (Number(addr) !== this.address) return undefined; // another controller's message
    const code = rawCode.toUpperCase();
    const arg = rawArg.trim();
    const reply = (value: string | number) => `${this.address}${code}${value}`;
    const query = arg === "?";
    const num = () => {
      const value = Number(arg);
      return arg === "" || !Number.isFinite(value) ? undefined : value;
    };
    const fail = (letter: string) => {
      this.lastError = letter;
      return undefined;
    };
    const ready = this.state >= 0x32 && this.state <= 0x35;
    switch (code) {
      case "TE": {
        const error = this.lastError;
        this.lastError = "@";
        return reply(error);
      }
      case "TS":
        return reply(`0000${this.state.toString(16).toUpperCase().padStart(2, "0")}`);
      case "ID":
        return query ? reply(this.stageId) : fail("D");
      case "VE":
        return reply(" SMC_CC firmware version 3.0.1");
      case "TP":
        return reply(this.position);
      case "OR":
        if (this.state > 0x11 && !ready) return fail("L");
        this.position = 0;
        this.state = 0x32;
        return undefined;
      case "RS":
        this.state = 0x0a;
        return undefined;
      case "ST":
        if (this.state === 0x28) this.state = 0x33;
        return undefined;
      case "SL":
      case "SR":
        if (query) return reply(code === "SL" ? this.lowerLimit : this.upperLimit);
        return fail("D");
      case "VA": {
        if (query) return reply(this.velocity);
        const v = num();
        if (v === undefined || v <= 0 || v > 1e12) return fail("C");
        this.velocity = v;
        return undefined;
      }
      case "PA":
      case "PR": {
        if (query) return reply(this.position);
        const v = num();
        if (v === undefined) return fail("C");
        if (!ready) return fail(this.state <= 0x11 ? "H" : "M");
        const target = code === "PA" ? v : this.position + v;
        if (target < this.lowerLimit || target > this.upperLimit) return fail("G");
        this.position = target;
        this.state = 0x33;
        return undefined;
      }
      default:
        return fail("A");
    }
  }
}
