import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async setTags(tags: Set<string>): Promise<void> {} // <- error
}
