/**
 * Simulated AnaPico APSIN signal generator (one output), after the APSIN programmer's manual:
 * `[:SOURce]:FREQuency[:CW]`, `[:SOURce]:POWer[:LEVel][:IMMediate][:AMPLitude]`, `:UNIT:POWer`, `:OUTPut[:STATe]`,
 * `[:SOURce]:ROSCillator:SOURce INT|EXT`, and the error queue (`-222,"Data out of range"`,
 * `-224,"Illegal parameter value"`, `-113,"Undefined header"`). As the real instrument does, a frequency outside
 * the model's range is limited to the nearest one it supports rather than refused. Only the dBm power unit is
 * simulated.
 *
 * @module
 */
import { ScpiSimError, ScpiSimInstrument } from "./scpi-sim-instrument.ts";

/** Options of the simulator; the defaults are assumed limits of a 20 GHz APSIN without attenuator option. */
export interface AnapicoApsinSimOptions {
  readonly serial?: string;
  readonly model?: string;
  /** Frequency range, Hz. */
  readonly minFrequency?: number;
  readonly maxFrequency?: number;
  /** Level range, dBm. */
  readonly minPower?: number;
  readonly maxPower?: number;
}

interface State {
  frequency: number;
  power: number;
  output: boolean;
  referenceSource: "INT" | "EXT";
  unit: string;
}

const preset = (): State => ({ frequency: 1e9, power: 0, output: false, referenceSource: "INT", unit: "DBM" });

/** The simulator. */
export class AnapicoApsinSim extends ScpiSimInstrument {
  state: State = preset();
  readonly minFrequency: number;
  readonly maxFrequency: number;
  readonly minPower: number;
  readonly maxPower: number;

  constructor(options: AnapicoApsinSimOptions = {}) {
    super(`AnaPico AG,${options.model ?? "APSIN20G"},${options.serial ?? "301-422000001-0101"},0.4.106`);
    this.minFrequency = options.minFrequency ?? 100e3;
    this.maxFrequency = options.maxFrequency ?? 20e9;
    this.minPower = options.minPower ?? -20;
    this.maxPower = options.maxPower ?? 20;
    this.command("[SOURce]:FREQuency[:CW]", {
      set: (arg) => {
        const value = this.number(arg, -Infinity, Infinity);
        this.state.frequency = Math.min(this.maxFrequency, Math.max(this.minFrequency, value));
      },
      get: () => String(this.state.frequency),
    });
    this.command("[SOURce]:POWer[:LEVel][:IMMediate][:AMPLitude]", {
      set: (arg) => void (this.state.power = this.number(arg, this.minPower, this.maxPower)),
      get: () => String(this.state.power),
    });
    this.command("UNIT:POWer", {
      set: (arg) => {
        if (arg.trim().toUpperCase() !== "DBM") throw new ScpiSimError(-224, "Illegal parameter value");
        this.state.unit = "DBM";
      },
      get: () => this.state.unit,
    });
    this.command("OUTPut[:STATe]", {
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
  }

  protected reset(): void {
    this.state = preset();
  }
}
