import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Output modes. */
export type Mode = "constant-current" | "constantVoltage" | "off";

/** Unions become enums, named after their alias, or after their place when inline. */
export class Supply extends Instrument {
  /** Set the mode. */
  @rpcMethod async setMode(mode: Mode): Promise<void> {
    void mode;
  }

  /** The mode. */
  @rpcMethod async getMode(): Promise<Mode> {
    return "off";
  }

  /** Set the range, inline union. */
  @rpcMethod async setRange(range: "low" | "high"): Promise<void> {
    void range;
  }
}
