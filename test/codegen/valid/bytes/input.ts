import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Raw bytes. */
export class RawPort extends Instrument {
  /** Write bytes; returns the number written. */
  @rpcMethod async write(data: Uint8Array): Promise<number> {
    return data.length;
  }

  /** Read up to `count` bytes. */
  @rpcMethod async read(count: number): Promise<Uint8Array> {
    return new Uint8Array(count);
  }
}
