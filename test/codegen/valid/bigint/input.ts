import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** 64-bit counters as bigints. */
export class BigCounter extends Instrument {
  #count = 0n;

  /** Add to the counter. @param delta - any 64-bit integer */
  @rpcMethod async add(delta: bigint): Promise<bigint> {
    this.#count += delta;
    return this.#count;
  }
}
