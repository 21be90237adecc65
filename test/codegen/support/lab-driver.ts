/** A lab driver of the codegen tests: a power supply extending `Instrument` from the installed qmi-ts. */
export const psuSource = `import { Instrument, rpcMethod } from "qmi-ts";

/** ACME's bench power supply. */
export class AcmePsu extends Instrument {
  private volts = 0;

  /** Set the output voltage, V. */
  @rpcMethod
  async setVoltage(volts: number): Promise<void> {
    this.volts = volts;
  }

  /** The output voltage, V. */
  @rpcMethod
  async getVoltage(): Promise<number> {
    return this.volts;
  }
}
`;
