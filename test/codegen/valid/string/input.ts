import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Strings in and out. */
export class Greeter extends Instrument {
  /**
   * Greet someone.
   * @param name - who to greet
   * @returns the greeting
   */
  @rpcMethod async greet(name: string): Promise<string> {
    return `Hello, ${name}`;
  }
}
