import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A generic box. */
export interface Box<T> {
  value: T;
}

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async get(): Promise<Box<number>> { // <- error
    return { value: 1 };
  }
}
