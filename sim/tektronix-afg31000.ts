/**
 * Simulated Tektronix AFG31000-series arbitrary/function generator (two channels), after the AFG31000 Series
 * programmer manual: `SOURce<n>:FUNCtion[:SHAPe]`, `SOURce<n>:FREQuency[:CW|:FIXed]`,
 * `SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]`, `SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet`,
 * `OUTPut<n>[:STATe]`, and the error queue (`-222,"Data out of range"`, `-224,"Illegal parameter value"`,
 * `-113,"Undefined header"`). The sine frequency limit follows the model number (AFG310**2**x: 25 MHz, ...).
 *
 * @module
 */
import { FunctionGeneratorSim, type GeneratorChannel } from "./function-generator-sim.ts";
import { ScpiSimError } from "./scpi-sim-instrument.ts";

/** Short form by accepted spelling (long forms and short forms). */
const SHAPES: Record<string, string> = {
  SIN: "SIN", SINUSOID: "SIN", SQU: "SQU", SQUARE: "SQU", PULS: "PULS", PULSE: "PULS", RAMP: "RAMP",
  PRN: "PRN", PRNOISE: "PRN", DC: "DC", SINC: "SINC", GAUS: "GAUS", GAUSSIAN: "GAUS", LOR: "LOR", LORENTZ: "LOR",
  ERIS: "ERIS", ERISE: "ERIS", EDEC: "EDEC", EDECAY: "EDEC", HAV: "HAV", HAVERSINE: "HAV",
  EMEM: "EMEM", EMEMORY: "EMEM", EFIL: "EFIL", EFILE: "EFIL",
};

/** Highest sine frequency by the model's 3rd and 4th digits (AFG31**02**2 → 25 MHz), Hz. */
const MAX_FREQUENCY: Record<string, number> = { "02": 25e6, "05": 50e6, "10": 100e6, "15": 150e6, "25": 250e6 };

const fresh = (): GeneratorChannel => ({ shape: "SIN", frequency: 1e6, amplitude: 1, offset: 0, output: false });

/** The simulator. */
export class TektronixAfg31000Sim extends FunctionGeneratorSim {
  readonly maxFrequency: number;

  /**
   * @param serial - serial number in `*IDN?`
   * @param model - e.g. `AFG31022` (25 MHz) or `AFG31252` (250 MHz)
   */
  constructor(serial = "C010001", model = "AFG31022") {
    super(`TEKTRONIX,${model},${serial},SCPI:99.0 FV:1.5.2`, { fresh, formatLevel: String, outputStates: ["1", "0"] });
    this.maxFrequency = MAX_FREQUENCY[model.slice(5, 7)] ?? 25e6;
    const ch = (suffixes: number[]) => this.channel(suffixes);
    this.command("[SOURce#]:FUNCtion[:SHAPe]", {
      set: (arg, s) => {
        const shape = SHAPES[arg.trim().toUpperCase()];
        if (shape === undefined) throw new ScpiSimError(-224, "Illegal parameter value");
        ch(s).shape = shape;
      },
      get: (_, s) => ch(s).shape,
    });
    const frequency = {
      set: (arg: string, s: number[]) => void (ch(s).frequency = this.number(arg, 1e-6, this.maxFrequency)),
      get: (_: string, s: number[]) => ch(s).frequency.toExponential(12).toUpperCase(),
    };
    this.command("[SOURce#]:FREQuency[:CW]", frequency);
    this.command("[SOURce#]:FREQuency:FIXed", frequency);
  }
}
