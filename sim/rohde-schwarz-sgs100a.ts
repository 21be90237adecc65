/**
 * Simulated Rohde & Schwarz SGS100A RF source, after the SGS100A user manual's remote control commands:
 * `[:SOURce]:FREQuency[:CW|:FIXed]`, `[:SOURce]:POWer[:LEVel][:IMMediate][:AMPLitude]`, `:OUTPut[:STATe]`,
 * `[:SOURce]:ROSCillator:SOURce INT|EXT`, `[:SOURce]:ROSCillator:EXTernal:FREQuency 10MHZ|100MHZ|1000MHZ`,
 * `[:SOURce]:IQ:STATe`, `[:SOURce]:PULM:STATe`, and the error queue (`-222,"Data out of range"`,
 * `-224,"Illegal parameter value"`, `-113,"Undefined header"`).
 *
 * @module
 */
import { ScpiSimError, ScpiSimInstrument } from "./scpi-sim-instrument.ts";

const REF_FREQUENCIES = ["10MHZ", "100MHZ", "1000MHZ"];

/** Options of the simulator. */
export interface RohdeSchwarzSgs100aSimOptions {
  /** Serial number in `*IDN?`. */
  readonly serial?: string;
  /** Highest frequency of the simulated frequency option, Hz: 6e9 (SGS-B106) or 12.75e9 (SGS-B112, default). */
  readonly maxFrequency?: number;
}

/** The simulator's state after `*RST`. */
interface State {
  frequency: number;
  power: number;
  output: boolean;
  referenceSource: "INT" | "EXT";
  externalReferenceFrequency: string;
  iq: boolean;
  pulse: boolean;
}

const preset = (): State => ({
  frequency: 1e9,
  power: -30,
  output: false,
  referenceSource: "INT",
  externalReferenceFrequency: "10MHZ",
  iq: false,
  pulse: false,
});

/** The simulator. */
export class RohdeSchwarzSgs100aSim extends ScpiSimInstrument {
  state: State = preset();
  readonly maxFrequency: number;

  constructor(options: RohdeSchwarzSgs100aSimOptions = {}) {
    super(`Rohde&Schwarz,SGS100A,1416.0505k02/${options.serial ?? "100001"},4.2.76.0-4.30.046.295`);
    this.maxFrequency = options.maxFrequency ?? 12.75e9;
    const frequency = {
      set: (arg: string) => void (this.state.frequency = this.number(arg, 1e6, this.maxFrequency)),
      get: () => String(this.state.frequency),
    };
    this.command("[SOURce#]:FREQuency[:CW]", frequency);
    this.command("[SOURce#]:FREQuency:FIXed", frequency);
    this.command("[SOURce#]:POWer[:LEVel][:IMMediate][:AMPLitude]", {
      set: (arg) => void (this.state.power = this.number(arg, -120, 25)),
      get: () => String(this.state.power),
    });
    this.command("OUTPut#[:STATe]", {
      set: (arg) => void (this.state.output = this.bool(arg)),
      get: () => (this.state.output ? "1" : "0"),
    });
    this.command("[SOURce]:ROSCillator:SOURce", {
      set: (arg) => {
        const word = arg.trim().toUpperCase();
        if (word === "INT" || word === "INTERNAL") this.state.referenceSource = "INT";
        else if (word === "EXT" || word === "EXTERNAL") this.state.referenceSource = "EXT";
        else throw new ScpiSimError(-224, "Illegal parameter value");
      },
      get: () => this.state.referenceSource,
    });
    this.command("[SOURce]:ROSCillator:EXTernal:FREQuency", {
      set: (arg) => {
        const word = arg.trim().toUpperCase();
        if (!REF_FREQUENCIES.includes(word)) throw new ScpiSimError(-224, "Illegal parameter value");
        this.state.externalReferenceFrequency = word;
      },
      get: () => this.state.externalReferenceFrequency,
    });
    this.command("[SOURce#]:IQ:STATe", {
      set: (arg) => void (this.state.iq = this.bool(arg)),
      get: () => (this.state.iq ? "1" : "0"),
    });
    this.command("[SOURce#]:PULM:STATe", {
      set: (arg) => void (this.state.pulse = this.bool(arg)),
      get: () => (this.state.pulse ? "1" : "0"),
    });
  }

  protected reset(): void {
    this.state = preset();
  }
}
