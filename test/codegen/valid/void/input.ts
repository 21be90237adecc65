import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Methods without results. */
export class Resetter extends Instrument {
  /** Reset, async. */
  @rpcMethod async reset(): Promise<void> {}

  /** Beep, synchronous. */
  @rpcMethod beep(): void {}

  /** Undefined counts as void. */
  @rpcMethod async nothing(): Promise<undefined> {
    return undefined;
  }
}
