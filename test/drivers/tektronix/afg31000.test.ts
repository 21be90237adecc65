import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { TektronixAfg31000 } from "qmi-ts/drivers/tektronix/afg31000";
import { TektronixAfg31000Proxy } from "qmi-ts/generated/drivers/tektronix/afg31000";
import { startTcpSim, type SimServer } from "../../../sim/sim-tcp-server.ts";
import { SimUsbBackend, UsbTmcSimDevice } from "../../../sim/usbtmc-sim-device.ts";
import { ScpiProtocol, createTransport, setUsbBackend } from "../../../runtime/transport/index.ts";
import { TektronixAfg31000Sim } from "../../sim/tektronix-afg31000.ts";

describe("TektronixAfg31000", { timeout: 15_000 }, () => {
  describe("over TCP, hosted in one context and called over gRPC from another", () => {
    let sim: TektronixAfg31000Sim;
    let server: SimServer & { port: number };
    let host: Context;
    let client: Context;
    let afg: TektronixAfg31000Proxy;
    before(async () => {
      sim = new TektronixAfg31000Sim("C012345", "AFG31022");
      server = await startTcpSim(sim);
      host = await Context.start("afg_host", { config: null });
      client = await Context.start("afg_client", { config: null });
      await host.makeInstrument("afg", TektronixAfg31000, server.descriptor);
      await client.connectToPeer("afg_host", { address: host.address });
      afg = await client.getInstrument("afg_host.afg", TektronixAfg31000Proxy, { timeout: 10 });
      await afg.setReplyTimeout(0.3);
      await afg.open();
    });
    after(async () => {
      await client.stop();
      await host.stop();
      await server.close();
    });

    it("identifies the instrument", async () => {
      assert.deepEqual(await afg.getIdn(), { vendor: "TEKTRONIX", model: "AFG31022", serial: "C012345", version: "SCPI:99.0 FV:1.5.2" });
    });

    it("sets and reads back waveform, frequency, amplitude, offset and output per channel", async () => {
      await afg.setWaveform(2, "SQU");
      assert.equal(await afg.getWaveform(2), "SQU");
      assert.equal(await afg.getWaveform(1), "SIN");
      await afg.setFrequency(2, 2.5e6);
      assert.equal(await afg.getFrequency(2), 2.5e6);
      assert.equal(sim.channels[1].frequency, 2.5e6);
      await afg.setAmplitude(1, 2);
      await afg.setOffset(1, -1.5);
      assert.deepEqual([await afg.getAmplitude(1), await afg.getOffset(1)], [2, -1.5]);
      await afg.setOutputEnabled(1, true);
      assert.deepEqual([await afg.getOutputEnabled(1), await afg.getOutputEnabled(2)], [true, false]);
      await afg.reset();
      assert.equal(await afg.getOutputEnabled(1), false);
      assert.equal(await afg.getWaveform(2), "SIN");
    });

    it("validates arguments before sending anything", async () => {
      const sent = sim.received.length;
      await assert.rejects(afg.setFrequency(1, 300e6), (e: Error) => e instanceof InvalidArgumentError && /frequency.*300000000 Hz/.test(e.message));
      await assert.rejects(afg.setAmplitude(3, 1), (e: Error) => e instanceof InvalidArgumentError && /channel.*3/.test(e.message));
      await assert.rejects(afg.setAmplitude(1, 25), (e: Error) => e instanceof InvalidArgumentError && /amplitude.*25 Vpp.*0\.001 to 20 Vpp/.test(e.message));
      await assert.rejects(afg.setOffset(1, -11), InvalidArgumentError);
      await assert.rejects(afg.setWaveform(1, "TRI" as "SIN"), InvalidArgumentError);
      assert.equal(sim.received.length, sent);
    });

    it("reports the instrument's error queue as an InstrumentError", async () => {
      // 100 MHz passes the driver's check (AFG31252 range) but the simulated AFG31022 stops at 25 MHz
      await afg.setFrequency(1, 1e3);
      await assert.rejects(afg.setFrequency(1, 100e6), (e: Error) => e instanceof InstrumentError && /-222,"Data out of range"/.test(e.message));
      assert.equal(await afg.getFrequency(1), 1e3);
      await afg.setOffset(1, 0);
      await afg.setAmplitude(1, 8);
      await assert.rejects(afg.setOffset(1, 2), (e: Error) => e instanceof InstrumentError && /-222/.test(e.message));
      // 12 Vpp is fine into high impedance, but the simulated output drives 50 Ω
      await afg.setOffset(1, 0);
      await assert.rejects(afg.setAmplitude(1, 12), (e: Error) => e instanceof InstrumentError && /after "SOUR1:VOLT:AMPL 12": -222/.test(e.message));
      assert.equal(await afg.getAmplitude(1), 8);
    });

    it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
      sim.fault = "garbage";
      await assert.rejects(afg.getFrequency(1), (e: Error) => e instanceof InstrumentError && /FREQ:CW\?.*expected a number/.test(e.message));
      await assert.rejects(afg.getWaveform(1), (e: Error) => e instanceof InstrumentError && /FUNC:SHAP\?.*expected one of SIN/.test(e.message));
      sim.fault = "silent";
      await assert.rejects(afg.getIdn(), (e: Error) => e instanceof TransportTimeoutError && /timeout after 0\.3 s/.test(e.message));
      sim.fault = undefined;
      assert.equal((await afg.getIdn()).model, "AFG31022");
    });

    it("reports a disconnect as end of input", async () => {
      sim.fault = "disconnect";
      await assert.rejects(afg.getIdn(), EndOfInputError);
      sim.fault = undefined;
      await afg.close();
      await afg.open();
      assert.equal((await afg.getIdn()).serial, "C012345");
    });
  });

  describe("over USBTMC (simulated device behind the usb package's interface)", () => {
    let backend: SimUsbBackend;
    let previous: ReturnType<typeof setUsbBackend>;
    let device: UsbTmcSimDevice;
    let sim: TektronixAfg31000Sim;
    before(() => {
      backend = new SimUsbBackend();
      previous = setUsbBackend(backend);
      sim = new TektronixAfg31000Sim("C099999", "AFG31252");
      device = backend.plug(new UsbTmcSimDevice({ vendorId: 0x0699, productId: 0x0356, serialNumber: "C099999" }, sim));
    });
    after(() => setUsbBackend(previous));

    it("talks SCPI with the Tektronix vendor id by default, and times out cleanly", async () => {
      const afg = new TektronixAfg31000({ name: "afg", contextName: "test" }, "usbtmc:serialnr=C099999");
      await afg.setReplyTimeout(0.3);
      await afg.open();
      try {
        assert.equal((await afg.getIdn()).model, "AFG31252");
        await afg.setFrequency(2, 200e6);
        assert.equal(await afg.getFrequency(2), 200e6);
        await afg.setWaveform(2, "RAMP");
        assert.equal(sim.channels[1].shape, "RAMP");
        assert.ok(device.controlLog.includes(5), "INITIATE_CLEAR was sent on open");
        sim.fault = "silent";
        await assert.rejects(afg.getIdn(), (e: Error) => e instanceof TransportTimeoutError);
        assert.ok(device.controlLog.includes(3), "the timed-out bulk-IN transfer was aborted");
        sim.fault = undefined;
        assert.equal((await afg.getIdn()).serial, "C099999");
      } finally {
        await afg.close();
      }
    });

    it("names the missing device and reports an unplugged one as end of input", async () => {
      const wrong = new TektronixAfg31000({ name: "afg", contextName: "test" }, "usbtmc:serialnr=NOPE");
      await assert.rejects(wrong.open(), /no such USB device.*0x0699:0x0356 serial C099999/);
      const other = new TektronixAfg31000({ name: "afg", contextName: "test" }, "usbtmc:vendorid=0x0957:serialnr=C099999");
      await assert.rejects(other.open(), /no such USB device/);
      const afg = new TektronixAfg31000({ name: "afg", contextName: "test" }, "usbtmc:serialnr=C099999");
      await afg.setReplyTimeout(0.3);
      await afg.open();
      device.unplug();
      await assert.rejects(afg.getIdn(), EndOfInputError);
      await afg.close();
    });
  });

  describe("simulator", () => {
    it("queues -113 for an unknown command", async () => {
      const server = await startTcpSim(new TektronixAfg31000Sim());
      const scpi = new ScpiProtocol(createTransport(server.descriptor), { timeout: 1 });
      await scpi.transport.open();
      try {
        await scpi.write("SOUR1:WOBBLE 3");
        assert.deepEqual(await scpi.drainErrors(), ['-113,"Undefined header"']);
        await scpi.write("SOURCE1:FUNCTION:SHAPE TRIANGLE");
        assert.deepEqual(await scpi.drainErrors(), ['-224,"Illegal parameter value"']);
      } finally {
        await scpi.transport.close();
        await server.close();
      }
    });
  });

  it("refuses bad descriptors with an example", () => {
    assert.throws(() => new TektronixAfg31000({ name: "a", contextName: "t" }, "serial:/dev/ttyS0"), /unsupported scheme "serial".*tcp, usbtmc/);
  });
});
