import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A class, not an interface. */
export class Reading {
  constructor(readonly watts: number) {}
}

/** Invalid on purpose. */
export class Bad extends Instrument {
  @rpcMethod async read(): Promise<Reading> { // <- error
    return new Reading(1);
  }
}
