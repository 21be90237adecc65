/**
 * The tutorial's task module ("Making a QMI task", "Tasks and RPC methods"): the tasks and custom runners the task
 * demos use. `npm run gen` scans this file (examples/ is a generator source root) and emits
 * `idl/qmi/examples/demo_task.proto` and `generated/examples/demo-task.ts`, so the tasks can be controlled remotely.
 *
 * @module
 */
// Registers the generated services of these tasks and runners, so that a context hosting them serves them to peers.
import "../generated/examples/demo-task.ts";
import * as qmi from "qmi-ts";
import { LoopTask, Task, TaskRunError, TaskRunner, rpcMethod, type LoopTaskOptions, type TaskInit } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

/** Options of {@link DemoTask}. */
export interface DemoTaskOptions {
  /** Context and name of the sine generator; default `<this context>.nsg`. */
  readonly nsg?: string;
  /** Factor applied to each amplitude the task sets; default 1. */
  readonly amplitudeFactor?: number;
  /** Seconds between adjustments; default 0.1. */
  readonly period?: number;
}

/** Keeps the sine generator's samples near ±10 by adjusting its amplitude 10 times per second. */
export class DemoTask extends Task {
  amplitudeFactor: number;
  readonly #nsg: string;
  readonly #period: number;

  constructor(init: TaskInit, options: DemoTaskOptions = {}) {
    super(init);
    this.amplitudeFactor = options.amplitudeFactor ?? 1.0;
    this.#nsg = options.nsg ?? `${init.contextName}.nsg`;
    this.#period = options.period ?? 0.1;
  }

  async run(): Promise<void> {
    console.log("starting the background task");
    const nsg = await qmi.getInstrument(this.#nsg, NoisySineGenerator);
    for (;;) {
      const sample = await nsg.getSample();
      let amplitude = await nsg.getAmplitude();
      amplitude = Math.abs(sample) > 10 ? amplitude * 0.9 : amplitude * 1.1;
      await nsg.setAmplitude(amplitude * this.amplitudeFactor);
      await this.sleep(this.#period);
    }
  }
}

/** The same control as a loop task ("Using the QMI_LoopTask to make a task"). */
export class DemoLoopTask extends LoopTask {
  #nsg: qmi.Proxied<NoisySineGenerator> | undefined;
  readonly #address: string;

  constructor(init: TaskInit, options: LoopTaskOptions & { nsg?: string }) {
    super(init, options);
    this.#address = options.nsg ?? `${init.contextName}.nsg`;
  }

  protected override async loopPrepare(): Promise<void> {
    this.#nsg = await qmi.getInstrument(this.#address, NoisySineGenerator);
  }

  protected override async loopIteration(): Promise<void> {
    const nsg = this.#nsg!;
    const sample = await nsg.getSample();
    const amplitude = await nsg.getAmplitude();
    await nsg.setAmplitude(Math.abs(sample) > 10 ? amplitude * 0.9 : amplitude * 1.1);
  }
}

/** Settings of {@link DemoRpcControlTask}. */
export interface DemoLoopTaskSettings {
  /** The last sample, if any. */
  sample?: number;
  /** The amplitude the task applies to the generator. */
  amplitude: number;
}

/** Status of {@link DemoRpcControlTask}. */
export interface DemoRpcControlStatus {
  /** Settings updates applied so far. */
  updates: number;
}

/** Applies `settings.amplitude` to the generator every period: the script controls, the task applies. */
export class DemoRpcControlTask extends Task<DemoLoopTaskSettings, DemoRpcControlStatus> {
  readonly #nsg: string;
  readonly #period: number;

  constructor(init: TaskInit, options: { nsg?: string; period?: number } = {}) {
    super(init);
    this.settings = { amplitude: 100.0 };
    this.status = { updates: 0 };
    this.#nsg = options.nsg ?? `${init.contextName}.nsg`;
    this.#period = options.period ?? 1.0;
  }

  async run(): Promise<void> {
    console.log("starting the background task");
    const nsg = await qmi.getInstrument(this.#nsg, NoisySineGenerator);
    while (!this.stopRequested()) {
      if (this.updateSettings()) this.publishStatus({ updates: this.status.updates + 1 });
      await nsg.setAmplitude(this.settings.amplitude);
      await this.sleep(this.#period);
    }
  }
}

/** A runner that lets a script change {@link DemoTask.amplitudeFactor} while the task runs. */
export class CustomTaskRunner extends TaskRunner<DemoTask> {
  /**
   * Set the factor the task applies to each amplitude it sets.
   * @param amplitude - the factor, e.g. 0.9 or 1.1
   */
  @rpcMethod
  async setAmplitudeFactor(amplitude: number): Promise<void> {
    if (!("amplitudeFactor" in this.task)) throw new TaskRunError("No such attribute in task: 'amplitudeFactor'");
    this.task.amplitudeFactor = amplitude;
  }
}

/** A runner whose `setAmplitude` changes the task's settings (applied at its next `updateSettings()`). */
export class CustomRpcControlTaskRunner extends TaskRunner<DemoRpcControlTask> {
  /**
   * Set the amplitude the task applies.
   * @param amplitude - arbitrary units, >= 0
   */
  @rpcMethod
  async setAmplitude(amplitude: number): Promise<void> {
    const settings = await this.getSettings();
    await this.setSettings({ ...settings, amplitude });
  }
}
