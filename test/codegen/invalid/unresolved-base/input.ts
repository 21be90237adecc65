import { Instrument, rpcMethod } from "qmi-ts-not-installed";

/** Invalid on purpose: its base class cannot be resolved, so open, close and isOpen would be missing. */
export class Bad extends Instrument { // <- error
  @rpcMethod async getValue(): Promise<number> {
    return 1;
  }
}
