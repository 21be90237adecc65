import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async setLabels(labels?: Record<string, string>): Promise<void> {} // <- error
}
