import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A switch. */
export class Switch extends Instrument {
  #on = false;

  /** Turn the output on or off. */
  @rpcMethod async setOutput(on: boolean): Promise<void> {
    this.#on = on;
  }

  /** True when the output is on. */
  @rpcMethod async getOutput(): Promise<boolean> {
    return this.#on;
  }
}
