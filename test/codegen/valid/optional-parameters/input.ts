import { Instrument, rpcMethod, type int32 } from "../../../../runtime/driver/driver-api.ts";

/** A meter whose options may be left out. */
export class Meter extends Instrument {
  /**
   * Measure.
   * @param channel - which channel; all when left out
   * @param samples - averaging count
   * @param label - tag of the measurement
   */
  @rpcMethod async measure(channel?: int32, samples = 1, label: string | undefined = undefined): Promise<number> {
    return (channel ?? 0) * samples + (label?.length ?? 0);
  }

  /** The last error, if there was one. */
  @rpcMethod async lastError(): Promise<string | undefined> {
    return undefined;
  }
}
