import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async setTable(table: Map<string, number>): Promise<void> {} // <- error
}
