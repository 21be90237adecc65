import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { ThorlabsPm100d } from "qmi-ts/drivers/thorlabs/pm100d";
import { SimUsbBackend, UsbTmcSimDevice } from "../../../sim/usbtmc-sim-device.ts";
import { setUsbBackend } from "../../../runtime/transport/index.ts";
import { ThorlabsPm100dSim } from "../../sim/thorlabs-pm100d.ts";

describe("ThorlabsPm100d over USBTMC (simulated device behind the usb package's interface)", () => {
  let backend: SimUsbBackend;
  let previous: ReturnType<typeof setUsbBackend>;
  let sim: ThorlabsPm100dSim;
  let device: UsbTmcSimDevice;
  let context: Context;
  before(async () => {
    backend = new SimUsbBackend();
    previous = setUsbBackend(backend);
    sim = new ThorlabsPm100dSim("P0012345");
    device = backend.plug(new UsbTmcSimDevice({ vendorId: 0x1313, productId: 0x8078, serialNumber: "P0012345" }, sim));
    context = await Context.start("meter_host", { config: null });
  });
  after(async () => {
    await context.stop();
    setUsbBackend(previous);
  });

  it("identifies the console and the sensor, and reads power in W through a context", async () => {
    const meter = await context.makeInstrument("meter", ThorlabsPm100d, "usbtmc:serialnr=P0012345");
    await meter.open();
    try {
      assert.deepEqual(await meter.getIdn(), { vendor: "Thorlabs", model: "PM100D", serial: "P0012345", version: "2.6.0" });
      assert.deepEqual(await meter.getSensorInfo(), { name: "S120C", serial: "12345678", calibrationMessage: "01-Jan-2026", type: 1, subtype: 2, flags: 305 });
      assert.equal(sim.unit, "W", "open() sets the power unit to W");
      sim.incidentPower = 3.5e-4;
      sim.darkPower = 0;
      assert.equal(await meter.getPower(), 3.5e-4);
      assert.ok(device.controlLog.includes(5), "INITIATE_CLEAR was sent on open");
    } finally {
      await meter.close();
    }
  });

  it("sets wavelength within the sensor's range, averaging and auto range, and validates first", async () => {
    const meter = new ThorlabsPm100d({ name: "m", contextName: "t" }, "usbtmc:serialnr=P0012345");
    await meter.open();
    try {
      assert.deepEqual(await meter.getWavelengthRange(), [400, 1100]);
      await meter.setWavelength(1064);
      assert.equal(await meter.getWavelength(), 1064);
      const sent = sim.received.length;
      await assert.rejects(meter.setWavelength(1550), (e: Error) => e instanceof InvalidArgumentError && /1550 nm; expected a number from 400 to 1100 nm/.test(e.message));
      await assert.rejects(meter.setWavelength(Number.NaN), InvalidArgumentError);
      assert.ok(!sim.received.slice(sent).some((line) => /WAV \d/.test(line)), "nothing out of range was sent");
      await meter.setAveragingCount(100);
      assert.equal(await meter.getAveragingCount(), 100);
      await assert.rejects(meter.setAveragingCount(0), /count: 0; expected an integer from 1/);
      await assert.rejects(meter.setAveragingCount(2.5), InvalidArgumentError);
      await meter.setAutoRange(false);
      assert.equal(await meter.getAutoRange(), false);
      assert.equal(await meter.getPowerRange(), 5e-3);
      sim.incidentPower = 0.02;
      await assert.rejects(meter.getPower(), (e: Error) => e instanceof InstrumentError && /above the present range/.test(e.message));
      await meter.setAutoRange(true);
      assert.equal(sim.autoRange, true);
      await meter.reset();
      assert.equal(await meter.getWavelength(), 635);
      assert.equal(await meter.getAveragingCount(), 1);
    } finally {
      await meter.close();
    }
  });

  it("runs the zero adjustment until it ends and subtracts the offset; a stuck one is aborted", async () => {
    const meter = new ThorlabsPm100d({ name: "m", contextName: "t" }, "usbtmc:serialnr=P0012345");
    await meter.open();
    try {
      sim.incidentPower = 1e-3;
      sim.darkPower = 4e-6;
      assert.equal(await meter.getPower(), 1.004e-3);
      sim.zeroDurationMs = 120;
      assert.equal(await meter.zero(5), 4e-6);
      assert.equal(await meter.getZeroOffset(), 4e-6);
      assert.equal(await meter.getPower(), 1e-3);
      sim.zeroDurationMs = 60_000;
      await assert.rejects(meter.zero(0.3), (e: Error) => e instanceof InstrumentError && /did not finish within 0.3 s and was aborted/.test(e.message));
      assert.equal(sim.zeroing, false, "the stuck zero adjustment was aborted");
      await assert.rejects(meter.zero(500), InvalidArgumentError);
    } finally {
      await meter.close();
    }
  });

  it("reports the error queue, garbage, silence and an unplugged device clearly, without hanging", async () => {
    const meter = new ThorlabsPm100d({ name: "m", contextName: "t" }, "usbtmc:serialnr=P0012345");
    await meter.open();
    try {
      sim.fault = "garbage";
      await assert.rejects(meter.getPower(), (e: Error) => e instanceof InstrumentError && /expected a number/.test(e.message));
      sim.fault = "silent";
      const started = Date.now();
      await assert.rejects(meter.getWavelength(), TransportTimeoutError);
      assert.ok(Date.now() - started < 4000, "the timeout is bounded");
      assert.ok(device.controlLog.includes(3), "the timed-out bulk-IN transfer was aborted");
      sim.fault = undefined;
      assert.equal((await meter.getIdn()).model, "PM100D");
      sim.pushError(-222, "Data out of range");
      await assert.rejects(meter.setAutoRange(true), (e: Error) => e instanceof InstrumentError && /-222,"Data out of range"/.test(e.message));
      device.unplug();
      await assert.rejects(meter.getPower(), EndOfInputError);
    } finally {
      await meter.close();
    }
  });

  it("names a missing console and refuses other transports", async () => {
    const wrong = new ThorlabsPm100d({ name: "m", contextName: "t" }, "usbtmc:serialnr=NOPE");
    await assert.rejects(wrong.open(), /no such USB device.*0x1313:0x8078 serial P0012345/);
    assert.throws(() => new ThorlabsPm100d({ name: "m", contextName: "t" }, "tcp:127.0.0.1:5025"), /unsupported scheme "tcp".*usbtmc/);
  });
});
