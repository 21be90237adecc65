/**
 * Simulated Keysight 33500B-series waveform generator (two channels), after the 33500 Series Operating and Service
 * Guide's SCPI reference: `[SOURce#]:FUNCtion`, `[SOURce#]:FREQuency`, `[SOURce#]:VOLTage`,
 * `[SOURce#]:VOLTage:OFFSet`, `OUTPut#`, error queue (`-222,"Data out of range"`, `-113,"Undefined header"`).
 *
 * @module
 */
import { FunctionGeneratorSim, type GeneratorChannel } from "./function-generator-sim.ts";
import { ScpiSimError } from "./scpi-sim-instrument.ts";

/** Waveform shapes the simulated generator knows (short forms). */
const FUNCTIONS = ["SIN", "SQU", "TRI", "RAMP", "PULS", "PRBS", "NOIS", "ARB", "DC"] as const;
const LONG: Record<string, string> = { SINUSOID: "SIN", SQUARE: "SQU", TRIANGLE: "TRI", PULSE: "PULS", NOISE: "NOIS" };

const fresh = (): GeneratorChannel => ({ shape: "SIN", frequency: 1000, amplitude: 0.1, offset: 0, output: false });

/** The simulator. */
export class Keysight33500BSim extends FunctionGeneratorSim {
  constructor(serial = "MY00000001") {
    super(`Agilent Technologies,33522B,${serial},4.00-1.19-2.00-52-00`, { fresh, formatLevel: String, outputStates: ["1", "0"] });
    const ch = (suffixes: number[]) => this.channel(suffixes);
    this.command("[SOURce#]:FUNCtion", {
      set: (arg, s) => {
        const word = arg.trim().toUpperCase();
        const func = LONG[word] ?? word;
        if (!(FUNCTIONS as readonly string[]).includes(func)) throw new ScpiSimError(-224, "Illegal parameter value");
        ch(s).shape = func;
      },
      get: (_, s) => ch(s).shape,
    });
    this.command("[SOURce#]:FREQuency", {
      set: (arg, s) => void (ch(s).frequency = this.number(arg, 1e-6, 30e6)),
      get: (_, s) => ch(s).frequency.toExponential(15).replace(/e\+?/, "E+").replace("E+-", "E-"),
    });
  }
}
