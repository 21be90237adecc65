import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Getters marked for the settings snapshot carry `snapshot: true` in their descriptor; other methods do not. */
export class Laser extends Instrument {
  /** The wavelength, nm. */
  @rpcMethod({ snapshot: true }) async getWavelength(): Promise<number> {
    return 780;
  }

  /** The power, W. */
  @rpcMethod({ requiresOpen: false, snapshot: true }) async getPower(): Promise<number> {
    return 0.5;
  }

  /** Explicitly not part of the snapshot. */
  @rpcMethod({ snapshot: false }) async getTemperature(): Promise<number> {
    return 21;
  }

  /** A plain method. */
  @rpcMethod async fire(): Promise<void> {}
}
