import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/**
 * A class whose docs span lines.
 *
 * Second paragraph with "quotes" and a `code` span.
 */
export class Documented extends Instrument {
  /**
   * Configure the ramp.
   * The summary goes on over two lines.
   * @param rate - ramp rate in V/s;
   *   continued on a second line
   * @param target - target voltage
   * @returns the time the ramp takes, s
   */
  @rpcMethod async ramp(rate: number, target: number): Promise<number> {
    return target / rate;
  }

  @rpcMethod async undocumented(value: number): Promise<number> {
    return value;
  }

  /** Single line with it's apostrophe. */
  @rpcMethod async apostrophe(): Promise<void> {}
}
