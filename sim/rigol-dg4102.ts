/**
 * Simulated Rigol DG4102 function/arbitrary waveform generator (two channels), after the DG4000 series
 * programming guide: `:SOURce<n>:FUNCtion[:SHAPe]`, `:SOURce<n>:FREQuency[:FIXed]`,
 * `:SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]`, `:SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet`,
 * `:OUTPut<n>[:STATe]` (queries answer `ON`/`OFF`, numbers in scientific notation such as `1.000000E+03`), and
 * the error queue (`-222,"Data out of range"`, `-224,"Illegal parameter value"`, `-113,"Undefined header"`).
 *
 * @module
 */
import { FunctionGeneratorSim, type GeneratorChannel } from "./function-generator-sim.ts";
import { ScpiSimError } from "./scpi-sim-instrument.ts";

/** Short form by accepted spelling. */
const SHAPES: Record<string, string> = {
  SIN: "SIN", SINUSOID: "SIN", SQU: "SQU", SQUARE: "SQU", RAMP: "RAMP", PULS: "PULS", PULSE: "PULS",
  NOIS: "NOIS", NOISE: "NOIS", USER: "USER", HARM: "HARM", HARMONIC: "HARM",
};

/** Highest frequency by waveform in this simulator, Hz (sine 100 MHz, square 25 MHz, ramp 1 MHz, ...). */
const MAX_FREQUENCY: Record<string, number> = { SIN: 100e6, SQU: 25e6, RAMP: 1e6, PULS: 25e6, NOIS: 100e6, USER: 40e6, HARM: 50e6 };

const fresh = (): GeneratorChannel => ({ shape: "SIN", frequency: 1e3, amplitude: 5, offset: 0, output: false });

/** Rigol's number format: 7 significant digits and a two-digit exponent, e.g. `2.500000E+06`. */
const scientific = (value: number) => value.toExponential(6).toUpperCase().replace(/E([+-])(\d)$/, "E$10$2");

/** The simulator. */
export class RigolDg4102Sim extends FunctionGeneratorSim {
  constructor(serial = "DG4E100000001") {
    super(`Rigol Technologies,DG4102,${serial},00.01.12`, { fresh, formatLevel: scientific, outputStates: ["ON", "OFF"] });
    const ch = (suffixes: number[]) => this.channel(suffixes);
    this.command("[SOURce#]:FUNCtion[:SHAPe]", {
      set: (arg, s) => {
        const shape = SHAPES[arg.trim().toUpperCase()];
        if (shape === undefined) throw new ScpiSimError(-224, "Illegal parameter value");
        const c = ch(s);
        c.shape = shape;
        c.frequency = Math.min(c.frequency, MAX_FREQUENCY[shape]!);
      },
      get: (_, s) => ch(s).shape,
    });
    this.command("[SOURce#]:FREQuency[:FIXed]", {
      set: (arg, s) => {
        const c = ch(s);
        c.frequency = this.number(arg, 1e-6, MAX_FREQUENCY[c.shape]!);
      },
      get: (_, s) => scientific(ch(s).frequency),
    });
  }
}
