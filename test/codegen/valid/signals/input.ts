import { Instrument, Signal, rpcMethod, signal } from "../../../../runtime/driver/driver-api.ts";

/** A reading. */
export interface Reading {
  /** Watts. */
  watts: number;
  at: Date;
}

/** Signals become server-streaming Subscribe RPCs. */
export class PowerMeter extends Instrument {
  /** Published after each reading. */
  @signal readonly readingTaken = new Signal<Reading>();

  /** NSG-style inline payload. */
  @signal readonly tick = new Signal<{ t: number; value: number }>();

  @signal readonly overload: Signal<boolean> = new Signal();

  /** Published when the meter resets. */
  @signal readonly reset = new Signal<void>();

  /** Take a reading. */
  @rpcMethod async read(): Promise<Reading> {
    const reading = { watts: 1, at: new Date() };
    this.readingTaken.publish(reading);
    return reading;
  }
}
