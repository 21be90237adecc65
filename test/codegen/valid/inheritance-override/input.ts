import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A base driver with its own RPCs. */
export abstract class BaseMeter extends Instrument {
  /** The model name. */
  @rpcMethod({ requiresOpen: false }) async getModel(): Promise<string> {
    return "base";
  }

  /** Read the value. */
  @rpcMethod async read(): Promise<number> {
    return 0;
  }
}

/** A concrete meter overriding some base methods. */
export class FancyMeter extends BaseMeter {
  /** Its own RPC comes after the inherited ones. */
  @rpcMethod async calibrate(): Promise<void> {}

  /** Read the calibrated value (doc of the override wins). */
  override async read(): Promise<number> {
    return 1;
  }

  // An override without doc keeps the base doc and stays an RPC without a decorator.
  override async getModel(): Promise<string> {
    return "fancy";
  }

  /** Overrides an Instrument RPC. */
  override async isOpen(): Promise<boolean> {
    return super.isOpen();
  }
}
