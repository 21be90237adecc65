import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Filter slopes, numeric enum. */
export enum Slope {
  /** 6 dB per octave. */
  Gentle,
  Steep,
}

/** Coupling, string enum. */
export enum Coupling {
  AC = "ac",
  DC = "dc",
  GroundReference = "gnd",
}

/** Enums keep their TypeScript values in the descriptor. */
export class Filter extends Instrument {
  /** Configure the filter. */
  @rpcMethod async configure(slope: Slope, coupling: Coupling): Promise<void> {
    void slope;
    void coupling;
  }

  /** The current coupling. */
  @rpcMethod async getCoupling(): Promise<Coupling> {
    return Coupling.DC;
  }
}
