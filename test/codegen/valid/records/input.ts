import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Calibration of one channel. */
export interface Calibration {
  gain: number;
  offset: number;
}

/** Maps from string keys. */
export class Calibrator extends Instrument {
  /** Calibrations by channel name. */
  @rpcMethod async getCalibrations(): Promise<Record<string, Calibration>> {
    return {};
  }

  /** Set labels, as an index signature. */
  @rpcMethod async setLabels(labels: { [key: string]: string }): Promise<void> {
    void labels;
  }
}
