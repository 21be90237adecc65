/**
 * Base of SCPI instrument simulators: header matching with short and long forms (`SOURce1:FREQuency`), several
 * commands per line (`;`), the IEEE 488.2 common commands and an error queue read by `SYST:ERR?`.
 *
 * ```ts
 * class MySim extends ScpiSimInstrument {
 *   constructor() {
 *     super("ACME,Box,123,1.0");
 *     this.command("[SOURce]:FREQuency", { set: (v) => (this.freq = this.number(v, 1, 1e6)), get: () => String(this.freq) });
 *   }
 * }
 * ```
 *
 * @module
 */
import { LineSimInstrument } from "./sim-instrument.ts";

/** Thrown inside handlers: becomes an error queue entry such as `-222,"Data out of range"`. */
export class ScpiSimError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Handlers of one header: `set` gets the parameter text, `get` answers the query (`?`). */
export interface ScpiHandlers {
  set?(argument: string, suffixes: number[]): void;
  get?(argument: string, suffixes: number[]): string;
}

interface Node {
  readonly optional: boolean;
  readonly short: string;
  readonly long: string;
  /** Accepts a numeric suffix (written `#` in the spec). */
  readonly suffix: boolean;
}

const MAX_QUEUE = 20;

/** A simulated SCPI instrument. */
export abstract class ScpiSimInstrument extends LineSimInstrument {
  readonly errorQueue: string[] = [];
  readonly #commands: { nodes: Node[]; handlers: ScpiHandlers }[] = [];

  constructor(public idn: string) {
    super("\n", "\n");
    this.command("*IDN", { get: () => this.idn });
    this.command("*RST", { set: () => this.reset() });
    this.command("*CLS", { set: () => void (this.errorQueue.length = 0) });
    this.command("*OPC", { get: () => "1", set: () => {} });
    this.command("SYSTem:ERRor[:NEXT]", { get: () => this.errorQueue.shift() ?? '+0,"No error"' });
  }

  /** Restores the power-on state (`*RST`). */
  protected abstract reset(): void;

  /** Registers a header: keywords separated by `:`, short form in capitals, `[...]` optional, `#` numeric suffix. */
  protected command(spec: string, handlers: ScpiHandlers): void {
    const nodes = (spec.match(/\[[^\]]*\]|[^:[\]]+/g) ?? []).flatMap((part) => parseNodes(part));
    this.#commands.push({ nodes, handlers });
  }

  /** Adds an error queue entry (the queue holds at most 20; then `-350,"Queue overflow"`). */
  pushError(code: number, message: string): void {
    if (this.errorQueue.length >= MAX_QUEUE - 1) {
      this.errorQueue.length = MAX_QUEUE - 1;
      this.errorQueue.push('-350,"Queue overflow"');
    } else this.errorQueue.push(`${code},"${message}"`);
  }

  /** Parses a numeric parameter (MIN/MAX allowed) and checks its range, else error -222 or -224. */
  protected number(argument: string, min: number, max: number): number {
    const text = argument.trim().toUpperCase();
    const value = text === "MIN" || text === "MINIMUM" ? min : text === "MAX" || text === "MAXIMUM" ? max : Number(text);
    if (text === "" || !Number.isFinite(value)) throw new ScpiSimError(-224, "Illegal parameter value");
    if (value < min || value > max) throw new ScpiSimError(-222, "Data out of range");
    return value;
  }

  /** Parses ON/OFF/1/0, else error -224. */
  protected bool(argument: string): boolean {
    const text = argument.trim().toUpperCase();
    if (text === "ON" || text === "1") return true;
    if (text === "OFF" || text === "0") return false;
    throw new ScpiSimError(-224, "Illegal parameter value");
  }

  protected handleLine(line: string): string | undefined {
    const replies: string[] = [];
    let root: string[] = [];
    for (const raw of line.split(";")) {
      const unit = raw.trim();
      if (unit === "") continue;
      const space = unit.search(/\s/);
      let header = space < 0 ? unit : unit.slice(0, space);
      const argument = space < 0 ? "" : unit.slice(space + 1).trim();
      const query = header.endsWith("?");
      if (query) header = header.slice(0, -1);
      // a header without a leading colon after a compound one is relative to the previous one's path
      const absolute = header.startsWith(":") || header.startsWith("*") || root.length === 0;
      const tokens = header.replace(/^:/, "").split(":");
      const path = absolute ? tokens : [...root, ...tokens];
      if (!header.startsWith("*")) root = path.slice(0, -1);
      try {
        const found = this.#find(path);
        if (!found) throw new ScpiSimError(-113, "Undefined header");
        const { handlers, suffixes } = found;
        if (query) {
          if (!handlers.get) throw new ScpiSimError(-113, "Undefined header");
          replies.push(handlers.get(argument, suffixes));
        } else {
          if (!handlers.set) throw new ScpiSimError(-113, "Undefined header");
          handlers.set(argument, suffixes);
        }
      } catch (error) {
        if (error instanceof ScpiSimError) this.pushError(error.errorCode, error.message);
        else this.pushError(-300, "Device-specific error");
      }
    }
    return replies.length > 0 ? replies.join(";") : undefined;
  }

  #find(tokens: string[]): { handlers: ScpiHandlers; suffixes: number[] } | undefined {
    for (const command of this.#commands) {
      const suffixes: number[] = [];
      if (matchNodes(command.nodes, 0, tokens, 0, suffixes)) return { handlers: command.handlers, suffixes };
    }
    return undefined;
  }
}

function parseNodes(part: string): Node[] {
  const optional = part.startsWith("[") && part.endsWith("]");
  const body = optional ? part.slice(1, -1).replace(/^:/, "") : part;
  return body.split(":").filter(Boolean).map((keyword) => {
    const suffix = keyword.endsWith("#");
    const long = suffix ? keyword.slice(0, -1) : keyword;
    const short = long.replace(/[a-z]/g, "");
    return { optional, short: short.toUpperCase(), long: long.toUpperCase(), suffix };
  });
}

function matchNodes(nodes: Node[], n: number, tokens: string[], t: number, suffixes: number[]): boolean {
  if (n === nodes.length) return t === tokens.length;
  const node = nodes[n]!;
  if (t < tokens.length) {
    const match = /^(\*?[A-Z]+)(\d*)$/i.exec(tokens[t]!);
    if (match) {
      const word = match[1]!.toUpperCase();
      const digits = match[2]!;
      const wordOk = word === node.short || word === node.long;
      if (wordOk && (digits === "" || node.suffix)) {
        const mark = suffixes.length;
        if (node.suffix) suffixes.push(digits === "" ? 1 : Number(digits));
        if (matchNodes(nodes, n + 1, tokens, t + 1, suffixes)) return true;
        suffixes.length = mark;
      }
    }
  }
  if (node.optional) {
    const mark = suffixes.length;
    if (node.suffix) suffixes.push(1);
    if (matchNodes(nodes, n + 1, tokens, t, suffixes)) return true;
    suffixes.length = mark;
  }
  return false;
}
