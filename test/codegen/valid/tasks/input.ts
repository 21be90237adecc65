import { LoopTask, Task, TaskRunner, rpcMethod } from "../../../../runtime/index.ts";

/** Settings of {@link Heater}. */
export interface HeaterSettings {
  /** Target temperature, kelvin. */
  setpoint: number;
}

/** Status of {@link Heater}. */
export interface HeaterStatus {
  /** Last measured temperature, kelvin. */
  temperature: number;
}

/** Keeps a temperature at its setpoint. */
export class Heater extends LoopTask<HeaterSettings, HeaterStatus> {
  protected override async loopIteration(): Promise<void> {}
}

/** A task without settings. */
export class Plain extends Task {
  async run(): Promise<void> {}
}

/** A runner with its own method. */
export class HeaterRunner extends TaskRunner<Heater> {
  /**
   * Nudge the setpoint.
   * @param delta - kelvin
   */
  @rpcMethod
  async nudge(delta: number): Promise<void> {
    void delta;
  }
}
