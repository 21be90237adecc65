/**
 * The base of simulated two-channel function generators: channel state, the `#` suffix check, the level window
 * of a 50 Ω output (|offset| + amplitude / 2 ≤ 5 V) on `VOLTage` and `VOLTage:OFFSet`, and `OUTPut#[:STATe]`.
 * Subclasses add their shape and frequency commands, which differ per instrument.
 *
 * @module
 */
import { ScpiSimError, ScpiSimInstrument } from "./scpi-sim-instrument.ts";

/** One output channel. */
export interface GeneratorChannel {
  /** Waveform shape, short form. */
  shape: string;
  /** Hz. */
  frequency: number;
  /** Volts peak-to-peak. */
  amplitude: number;
  /** Volts. */
  offset: number;
  output: boolean;
}

/** How a generator answers. */
export interface FunctionGeneratorSimOptions {
  /** The power-on state of a channel. */
  readonly fresh: () => GeneratorChannel;
  /** How amplitude and offset queries are answered, e.g. `String` or scientific notation. */
  readonly formatLevel: (volts: number) => string;
  /** The answers of `OUTPut#?` for on and off, e.g. `["1", "0"]` or `["ON", "OFF"]`. */
  readonly outputStates: readonly [on: string, off: string];
}

/** Highest |offset| + amplitude / 2 into 50 Ω, volts. */
const LEVEL_WINDOW = 5;

/** A simulated two-channel function generator. */
export abstract class FunctionGeneratorSim extends ScpiSimInstrument {
  readonly channels: [GeneratorChannel, GeneratorChannel];
  readonly #fresh: () => GeneratorChannel;

  constructor(idn: string, options: FunctionGeneratorSimOptions) {
    super(idn);
    this.#fresh = options.fresh;
    this.channels = [options.fresh(), options.fresh()];
    const { formatLevel, outputStates } = options;
    this.command("[SOURce#]:VOLTage[:LEVel][:IMMediate]:OFFSet", {
      set: (arg, s) => {
        const c = this.channel(s);
        const offset = this.number(arg, -LEVEL_WINDOW, LEVEL_WINDOW);
        checkWindow(offset, c.amplitude);
        c.offset = offset;
      },
      get: (_, s) => formatLevel(this.channel(s).offset),
    });
    this.command("[SOURce#]:VOLTage[:LEVel][:IMMediate][:AMPLitude]", {
      set: (arg, s) => {
        const c = this.channel(s);
        const amplitude = this.number(arg, 1e-3, 2 * LEVEL_WINDOW);
        checkWindow(c.offset, amplitude);
        c.amplitude = amplitude;
      },
      get: (_, s) => formatLevel(this.channel(s).amplitude),
    });
    this.command("OUTPut#[:STATe]", {
      set: (arg, s) => void (this.channel(s).output = this.bool(arg)),
      get: (_, s) => (this.channel(s).output ? outputStates[0] : outputStates[1]),
    });
  }

  /** The channel a header's numeric suffix names (1 when left out), else error -114. */
  protected channel(suffixes: number[]): GeneratorChannel {
    const n = suffixes[0] ?? 1;
    if (n < 1 || n > 2) throw new ScpiSimError(-114, "Header suffix out of range");
    return this.channels[n - 1]!;
  }

  protected reset(): void {
    this.channels[0] = this.#fresh();
    this.channels[1] = this.#fresh();
  }
}

function checkWindow(offset: number, amplitude: number): void {
  if (Math.abs(offset) + amplitude / 2 > LEVEL_WINDOW) throw new ScpiSimError(-222, "Data out of range");
}
