import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Clashes with the generated request of `read`. */
export interface ReadRequest {
  channel: number;
}

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async read(request: ReadRequest): Promise<number> { // <- error
    return request.channel;
  }
}
