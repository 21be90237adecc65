import { Instrument, rpcConstant, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Constants are listed in the descriptor. */
export class Laser extends Instrument {
  /** Wavelength range in nm. */
  @rpcConstant static readonly WAVELENGTH_RANGE = [400, 1100];
  /** Model name. */
  @rpcConstant static readonly MODEL = "L-1";
  @rpcConstant static readonly MAX_POWER: number = 0.5;
  /** Not decorated: not listed. */
  static readonly INTERNAL = 3;

  /** The wavelength, nm. */
  @rpcMethod async getWavelength(): Promise<number> {
    return Laser.WAVELENGTH_RANGE[0]! + Laser.INTERNAL;
  }
}
