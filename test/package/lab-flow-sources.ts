/**
 * What the consumer-flow test adds to a project made by `qmi init`: a second driver (a method, a signal and a
 * constant), a server hosting both drivers, a client of the second one, and a script calling it with a wrong
 * argument type. They are written as a lab would, from the README only.
 *
 * @module
 */

/** A second driver next to the scaffold's power supply. */
export const DMM_DRIVER = `import { InvalidArgumentError, Instrument, Signal, rpcConstant, rpcMethod, signal } from "qmi-ts";

/** A simulated digital multimeter. */
export class AcmeDmm extends Instrument {
  /** The largest range, V. */
  @rpcConstant static readonly MAX_RANGE = 1000;
  /** Published with every reading. */
  @signal readonly measured = new Signal<{ volts: number; range: number }>();
  private range = 10;

  /**
   * Select the measurement range.
   * @param volts - full scale, 0.1 to MAX_RANGE
   */
  @rpcMethod
  async setRange(volts: number): Promise<void> {
    if (!(volts >= 0.1 && volts <= AcmeDmm.MAX_RANGE)) {
      throw new InvalidArgumentError(\`range must be in [0.1, \${AcmeDmm.MAX_RANGE}] V, got \${volts}\`);
    }
    this.range = volts;
  }

  /** Take one reading, V: a quarter of the range, simulated. */
  @rpcMethod
  async read(): Promise<number> {
    const volts = this.range / 4;
    this.measured.publish({ volts, range: this.range });
    return volts;
  }
}
`;

/** Hosts the scaffold's power supply and the multimeter, at the address of qmi.conf. */
export const LAB_SERVER = `import { fileURLToPath } from "node:url";
import * as qmi from "qmi-ts";
import "../generated/index.ts";
import { AcmePsu } from "../drivers/acme/psu.ts";
import { AcmeDmm } from "../drivers/acme/dmm.ts";

const config = fileURLToPath(new URL("../qmi.conf", import.meta.url));
const context = await qmi.start("psu_server", { config });
await qmi.makeInstrument("psu", AcmePsu);
await qmi.makeInstrument("dmm", AcmeDmm);
console.log(\`LISTENING \${context.tcpServerPort}\`);
console.log(\`STOPPED \${await context.waitUntilShutdown()}\`);
await qmi.stop();
`;

/** Calls the multimeter through its typed proxy: a method, a refused argument, a signal; then stops the server. */
export const LAB_CLIENT = `import { fileURLToPath } from "node:url";
import * as qmi from "qmi-ts";
import { AcmeDmmProxy } from "../generated/drivers/acme/dmm.ts";

const config = fileURLToPath(new URL("../qmi.conf", import.meta.url));
const context = await qmi.start("dmm_client", { config });
await context.connectToPeer("psu_server");
const dmm = await context.getInstrument("psu_server.dmm", AcmeDmmProxy);
await dmm.open();
const receiver = new qmi.SignalReceiver<{ volts: number; range: number }>();
await dmm.subscribe("measured", receiver);
await dmm.setRange(100);
const reading = await dmm.read();
const signal = await receiver.getNextSignal(5);
const refused = await dmm.setRange(5000).then(
  () => "accepted",
  (error: Error) => \`\${error.name}: \${error.message}\`,
);
await dmm.close();
console.log(\`RESULT \${JSON.stringify({ reading, signal: signal.args, refused })}\`);
await context.requestPeerShutdown("psu_server", "done");
await qmi.stop();
`;

/** A wrong argument type, which the project's tsc must reject. */
export const BAD_CALL = `import * as qmi from "qmi-ts";
import { AcmeDmmProxy } from "../generated/drivers/acme/dmm.ts";

export async function wrongArgument(): Promise<void> {
  const dmm = await qmi.getInstrument("psu_server.dmm", AcmeDmmProxy);
  await dmm.setRange("100 V");
}
`;
