/**
 * Simulated Keysight 33500B-series waveform generator (two channels), after the 33500 Series Operating and Service
 * Guide's SCPI reference: `[SOURce#]:FUNCtion`, `[SOURce#]:FREQuency`, `[SOURce#]:VOLTage`,
 * `[SOURce#]:VOLTage:OFFSet`, `OUTPut#`, error queue (`-222,"Data out of range"`, `-113,"Undefined header"`).
 *
 * @module
 */
import { ScpiSimError, ScpiSimInstrument } from "./scpi-sim-instrument.ts";

/** Waveform shapes the simulated generator knows (short forms). */
const FUNCTIONS = ["SIN", "SQU", "TRI", "RAMP", "PULS", "PRBS", "NOIS", "ARB", "DC"] as const;
const LONG: Record<string, string> = { SINUSOID: "SIN", SQUARE: "SQU", TRIANGLE: "TRI", PULSE: "PULS", NOISE: "NOIS" };

interface Channel {
  func: string;
  frequency: number;
  amplitude: number;
  offset: number;
  output: boolean;
}

const fresh = (): Channel => ({ func: "SIN", frequency: 1000, amplitude: 0.1, offset: 0, output: false });

/** The simulator. */
export class Keysight33500BSim extends ScpiSimInstrument {
  readonly channels: [Channel, Channel] = [fresh(), fresh()];

  constructor(serial = "MY00000001") {
    super(`Agilent Technologies,33522B,${serial},4.00-1.19-2.00-52-00`);
    const ch = (suffixes: number[]) => {
      const n = suffixes[0] ?? 1;
      if (n < 1 || n > 2) throw new ScpiSimError(-114, "Header suffix out of range");
      return this.channels[n - 1]!;
    };
    this.command("[SOURce#]:FUNCtion", {
      set: (arg, s) => {
        const word = arg.trim().toUpperCase();
        const func = LONG[word] ?? word;
        if (!(FUNCTIONS as readonly string[]).includes(func)) throw new ScpiSimError(-224, "Illegal parameter value");
        ch(s).func = func;
      },
      get: (_, s) => ch(s).func,
    });
    this.command("[SOURce#]:FREQuency", {
      set: (arg, s) => void (ch(s).frequency = this.number(arg, 1e-6, 30e6)),
      get: (_, s) => ch(s).frequency.toExponential(15).replace(/e\+?/, "E+").replace("E+-", "E-"),
    });
    this.command("[SOURce#]:VOLTage:OFFSet", {
      set: (arg, s) => {
        const c = ch(s);
        const offset = this.number(arg, -5, 5);
        if (Math.abs(offset) + c.amplitude / 2 > 5) throw new ScpiSimError(-222, "Data out of range");
        c.offset = offset;
      },
      get: (_, s) => String(ch(s).offset),
    });
    this.command("[SOURce#]:VOLTage[:LEVel][:IMMediate][:AMPLitude]", {
      set: (arg, s) => {
        const c = ch(s);
        const amplitude = this.number(arg, 1e-3, 10);
        if (Math.abs(c.offset) + amplitude / 2 > 5) throw new ScpiSimError(-222, "Data out of range");
        c.amplitude = amplitude;
      },
      get: (_, s) => String(ch(s).amplitude),
    });
    this.command("OUTPut#[:STATe]", {
      set: (arg, s) => void (ch(s).output = this.bool(arg)),
      get: (_, s) => (ch(s).output ? "1" : "0"),
    });
  }

  protected reset(): void {
    this.channels[0] = fresh();
    this.channels[1] = fresh();
  }
}
