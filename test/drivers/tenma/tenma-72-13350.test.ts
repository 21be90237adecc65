import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { Tenma7213350 } from "qmi-ts/drivers/tenma/tenma-72-13350";
import { startUdpSim } from "../../../sim/sim-udp-server.ts";
import type { SimServer } from "../../../sim/sim-tcp-server.ts";
import { Tenma7213350Sim } from "../../sim/tenma-72-13350.ts";

describe("Tenma7213350 over UDP on 127.0.0.1", () => {
  let sim: Tenma7213350Sim;
  let server: SimServer;
  let psu: Tenma7213350;
  before(async () => {
    sim = new Tenma7213350Sim("20250001");
    server = await startUdpSim(sim);
    psu = new Tenma7213350({ name: "psu", contextName: "test" }, server.descriptor);
    await psu.open();
  });
  after(async () => {
    await psu.close();
    await server.close();
  });

  it("identifies, sets, measures and switches the output", async () => {
    assert.deepEqual(await psu.getIdn(), { vendor: "TENMA", model: "72-13350", serial: "20250001", version: "V2.0" });
    await psu.setVoltage(12);
    await psu.setCurrent(2.5);
    assert.deepEqual([await psu.getVoltage(), await psu.getCurrent()], [12, 2.5]);
    assert.equal(await psu.measureVoltage(), 0);
    await psu.setOutputEnabled(true);
    assert.deepEqual([await psu.measureVoltage(), await psu.measureCurrent()], [12, 1.2]);
    assert.equal((await psu.getStatus()).constantVoltage, true);
    await psu.setOutputEnabled(false);
    assert.equal((await psu.getStatus()).outputEnabled, false);
  });

  it("validates inputs and reports bad or missing replies clearly", async () => {
    await assert.rejects(psu.setVoltage(31), (e: Error) => e instanceof InvalidArgumentError && /voltage: 31 V; expected a number from 0 to 30 V/.test(e.message));
    sim.fault = "garbage";
    await assert.rejects(psu.getVoltage(), (e: Error) => e instanceof InstrumentError && /expected a number/.test(e.message));
    sim.fault = "silent";
    await assert.rejects(psu.getVoltage(), TransportTimeoutError);
    sim.fault = undefined;
    assert.equal(await psu.getVoltage(), 12);
  });
});
