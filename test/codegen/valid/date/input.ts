import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A clock. */
export class Clock extends Instrument {
  /** The instrument's time. */
  @rpcMethod async now(): Promise<Date> {
    return new Date();
  }

  /** Set the instrument's time. */
  @rpcMethod async setTime(time: Date): Promise<void> {
    void time;
  }
}
