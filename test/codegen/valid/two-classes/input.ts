import { Instrument, Signal, rpcMethod, signal } from "../../../../runtime/driver/driver-api.ts";

/** Shared settings. */
export interface Settings {
  gain: number;
}

/** First service of the module. */
export class LeftChannel extends Instrument {
  /** Published on change. */
  @signal readonly changed = new Signal<Settings>();

  /** Apply settings. */
  @rpcMethod async apply(settings: Settings): Promise<void> {
    this.changed.publish(settings);
  }
}

/** Second service of the module: same method names, prefixed messages. */
export class RightChannel extends Instrument {
  /** Published on change. */
  @signal readonly changed = new Signal<Settings>();

  /** Apply settings. */
  @rpcMethod async apply(settings: Settings): Promise<void> {
    this.changed.publish(settings);
  }

  /** Gain only. */
  @rpcMethod async gain(): Promise<number> {
    return 1;
  }
}

/** Not exported-service material: no RPCs. */
export class Helper {}
