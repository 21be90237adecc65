import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async setTraces(traces: Float64Array[]): Promise<void> {} // <- error
}
