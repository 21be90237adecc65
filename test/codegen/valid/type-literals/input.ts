import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A window, declared as a type alias of a type literal. */
export type Window = { from: number; to: number };

/** Inline type literals are named after their place. */
export class Scope extends Instrument {
  /** Set the trigger. */
  @rpcMethod async setTrigger(trigger: { level: number; edge: { rising: boolean } }): Promise<void> {
    void trigger;
  }

  /** The acquisition window. */
  @rpcMethod async getWindow(): Promise<Window> {
    return { from: 0, to: 1 };
  }

  /** Min and max of the last trace. */
  @rpcMethod async getRange(): Promise<{ min: number; max: number }> {
    return { min: 0, max: 0 };
  }
}
