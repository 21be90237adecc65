import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Invalid on purpose: a settings snapshot calls its getters without arguments. */
export class Bad extends Instrument {
  @rpcMethod({ snapshot: true }) async getChannelGain(channel: number): Promise<number> { // <- error
    return channel;
  }
}
