import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Plain numbers are doubles. */
export class Numbers extends Instrument {
  #value = 0;

  /** Set the value. @param value - any finite number */
  @rpcMethod async setValue(value: number): Promise<void> {
    this.#value = value;
  }

  /** The value. */
  @rpcMethod async getValue(): Promise<number> {
    return this.#value;
  }

  /** Scale two numbers (not async: the result is still a Promise on the proxy). */
  @rpcMethod scale(x: number, factor: number): number {
    return x * factor;
  }
}
