/**
 * SCPI over any {@link Transport}: commands, queries, IEEE 488.2 definite-length binary blocks and the error
 * queue.
 *
 * ```ts
 * const scpi = new ScpiProtocol(transport);
 * await scpi.write("SOUR1:FREQ 1000");
 * const freq = Number(await scpi.ask("SOUR1:FREQ?"));
 * const data = await scpi.askBinaryBlock("CURV?");   // #<n><len><data>
 * await scpi.checkErrors("SOUR1:FREQ 1000");         // drains SYST:ERR?, throws InstrumentError if any
 * ```
 *
 * @module
 */
import { InstrumentError, InvalidArgumentError } from "../protocol/errors.ts";
import type { Transport } from "./transport.ts";

/** Options of a {@link ScpiProtocol}. */
export interface ScpiOptions {
  /** Appended to each command; default `"\n"`. */
  readonly writeTerminator?: string;
  /** Ends each reply; default `"\n"`. */
  readonly readTerminator?: string;
  /** Default reply timeout, seconds; default 5. */
  readonly timeout?: number;
  /** Error queue query; default `SYST:ERR?`. */
  readonly errorQuery?: string;
}

/** Per-call options. */
export interface AskOptions {
  /** Reply timeout, seconds. */
  readonly timeout?: number;
}

/** Most error queue entries drained by one {@link ScpiProtocol.checkErrors} (a bound against a broken instrument). */
export const MAX_ERROR_QUEUE = 64;

/** The `*IDN?` reply as four fields. */
export interface IdnFields {
  vendor: string;
  model: string;
  serial: string;
  version: string;
}

/** SCPI messages over a transport. */
export class ScpiProtocol {
  readonly writeTerminator: string;
  readonly readTerminator: string;
  /** Default reply timeout, seconds; may be changed while the session is in use. */
  timeout: number;
  readonly errorQuery: string;

  constructor(
    readonly transport: Transport,
    options: ScpiOptions = {},
  ) {
    this.writeTerminator = options.writeTerminator ?? "\n";
    this.readTerminator = options.readTerminator ?? "\n";
    this.timeout = options.timeout ?? 5;
    this.errorQuery = options.errorQuery ?? "SYST:ERR?";
  }

  /** Sends a command (the terminator is appended). */
  async write(command: string): Promise<void> {
    await this.transport.write(command + this.writeTerminator);
  }

  /** Sends a query and returns its reply line without the terminator (and a trailing `\r`). */
  async ask(query: string, options: AskOptions = {}): Promise<string> {
    await this.write(query);
    return this.readLine(options);
  }

  /** Reads one reply line without its terminator. */
  async readLine(options: AskOptions = {}): Promise<string> {
    const line = await this.transport.readUntil(this.readTerminator, options.timeout ?? this.timeout);
    return line.toString("latin1").slice(0, -this.readTerminator.length).replace(/\r$/, "");
  }

  /** Sends a query whose reply is an IEEE 488.2 definite-length block `#<n><len><data>`; returns the data. */
  async askBinaryBlock(query: string, options: AskOptions = {}): Promise<Buffer> {
    await this.write(query);
    return this.readBinaryBlock(options);
  }

  /** Reads a definite-length block and the terminator after it; garbage gives a clear {@link InstrumentError}. */
  async readBinaryBlock(options: AskOptions = {}): Promise<Buffer> {
    const timeout = options.timeout ?? this.timeout;
    const start = await this.transport.read(2, timeout);
    if (start[0] !== 0x23 /* # */ || start[1]! < 0x31 || start[1]! > 0x39) {
      const rest = await this.transport.readUntilTimeout(64, 0.05);
      await this.transport.discardRead();
      throw new InstrumentError(
        `${this.transport.descriptor}: expected an IEEE 488.2 binary block "#<n><length><data>", got ${JSON.stringify(Buffer.concat([start, rest]).toString("latin1"))}`,
      );
    }
    const digits = start[1]! - 0x30;
    const lengthText = (await this.transport.read(digits, timeout)).toString("latin1");
    if (!/^\d+$/.test(lengthText)) {
      await this.transport.discardRead();
      throw new InstrumentError(`${this.transport.descriptor}: bad binary block length ${JSON.stringify(lengthText)}`);
    }
    const data = await this.transport.read(Number(lengthText), timeout);
    await this.transport.readUntil(this.readTerminator, timeout);
    return data;
  }

  /** Encodes `data` as a definite-length block, for commands that take one. */
  static binaryBlock(data: Uint8Array): Buffer {
    const length = String(data.length);
    if (length.length > 9) throw new InvalidArgumentError(`A binary block holds at most 999999999 bytes, not ${length}`);
    return Buffer.concat([Buffer.from(`#${length.length}${length}`, "latin1"), data]);
  }

  /** Reads the error queue until it is empty; returns the entries, e.g. `['-113,"Undefined header"']`. */
  async drainErrors(options: AskOptions = {}): Promise<string[]> {
    const errors: string[] = [];
    for (let i = 0; i < MAX_ERROR_QUEUE; i++) {
      const reply = await this.ask(this.errorQuery, options);
      const match = /^\s*([+-]?\d+)\s*,/.exec(reply);
      if (!match) throw new InstrumentError(`${this.transport.descriptor}: unexpected reply to ${this.errorQuery}: ${JSON.stringify(reply)}`);
      if (Number(match[1]) === 0) return errors;
      errors.push(reply.trim());
    }
    throw new InstrumentError(`${this.transport.descriptor}: the error queue did not empty after ${MAX_ERROR_QUEUE} reads: ${errors.slice(0, 5).join("; ")}`);
  }

  /** Drains the error queue and throws an {@link InstrumentError} listing the entries if there were any. */
  async checkErrors(after?: string, options: AskOptions = {}): Promise<void> {
    const errors = await this.drainErrors(options);
    if (errors.length > 0) {
      throw new InstrumentError(`${this.transport.descriptor}: the instrument reported ${after ? `after ${JSON.stringify(after)}: ` : ""}${errors.join("; ")}`);
    }
  }

  /** Sends a command, then checks the error queue (one round trip more, and a clear error for a refused command). */
  async writeChecked(command: string, options: AskOptions = {}): Promise<void> {
    await this.write(command);
    await this.checkErrors(command, options);
  }

  /** `*IDN?` split into vendor, model, serial and version; a reply without four fields is an error. */
  async askIdn(options: AskOptions = {}): Promise<IdnFields> {
    const reply = await this.ask("*IDN?", options);
    const fields = reply.split(",").map((field) => field.trim());
    if (fields.length < 4) throw new InstrumentError(`${this.transport.descriptor}: unexpected *IDN? reply ${JSON.stringify(reply)}; expected vendor,model,serial,version`);
    return { vendor: fields[0]!, model: fields[1]!, serial: fields[2]!, version: fields.slice(3).join(",") };
  }

  /** Parses a numeric reply, with a clear error for anything else. */
  static number(reply: string, what: string): number {
    const value = Number(reply.trim());
    if (reply.trim() === "" || !Number.isFinite(value)) throw new InstrumentError(`Unexpected reply for ${what}: ${JSON.stringify(reply)}; expected a number`);
    return value;
  }

  /**
   * Parses an on/off reply (`1`, `ON`, `0`, `OFF`, any case); anything else is an error saying the instrument was
   * expected to answer `expected` (`1 or 0` by default; `ON or OFF` for instruments that answer in words).
   */
  static flag(reply: string, what: string, expected = "1 or 0"): boolean {
    const text = reply.trim().toUpperCase();
    if (text === "1" || text === "ON") return true;
    if (text === "0" || text === "OFF") return false;
    throw new InstrumentError(`Unexpected reply for ${what}: ${JSON.stringify(reply)}; expected ${expected}`);
  }

  /** Parses a reply that must be one of `allowed` (compared in upper case), with a clear error for anything else. */
  static choice<T extends string>(reply: string, what: string, allowed: readonly T[]): T {
    const text = reply.trim().toUpperCase();
    const found = allowed.find((value) => value === text);
    if (found === undefined) throw new InstrumentError(`Unexpected reply for ${what}: ${JSON.stringify(reply)}; expected one of ${allowed.join(", ")}`);
    return found;
  }
}
