import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { Keysight33500B } from "qmi-ts/drivers/keysight/keysight-33500b";
import { Keysight33500BProxy } from "qmi-ts/generated/drivers/keysight/keysight-33500b";
import { startTcpSim, type SimServer } from "../../../sim/sim-tcp-server.ts";
import { SimUsbBackend, UsbTmcSimDevice } from "../../../sim/usbtmc-sim-device.ts";
import { setUsbBackend } from "../../../runtime/transport/index.ts";
import { Keysight33500BSim } from "../../sim/keysight-33500b.ts";

describe("Keysight33500B", () => {
  describe("over TCP, hosted in one context and called over gRPC from another", () => {
    let sim: Keysight33500BSim;
    let server: SimServer & { port: number };
    let host: Context;
    let client: Context;
    let awg: Keysight33500BProxy;
    before(async () => {
      sim = new Keysight33500BSim("MY123");
      server = await startTcpSim(sim);
      host = await Context.start("awg_host", { config: null });
      client = await Context.start("awg_client", { config: null });
      await host.makeInstrument("awg", Keysight33500B, server.descriptor);
      await client.connectToPeer("awg_host", { address: host.address });
      awg = await client.getInstrument("awg_host.awg", Keysight33500BProxy);
      await awg.open();
    });
    after(async () => {
      await client.stop();
      await host.stop();
      await server.close();
    });

    it("identifies the instrument", async () => {
      assert.deepEqual(await awg.getIdn(), { vendor: "Agilent Technologies", model: "33522B", serial: "MY123", version: "4.00-1.19-2.00-52-00" });
    });

    it("sets and reads back frequency, amplitude, offset, waveform and output", async () => {
      await awg.setFrequency(2, 1.5e6);
      assert.equal(await awg.getFrequency(2), 1.5e6);
      assert.equal(sim.channels[1].frequency, 1.5e6);
      await awg.setAmplitude(1, 2);
      await awg.setOffset(1, -1);
      assert.deepEqual([await awg.getAmplitude(1), await awg.getOffset(1)], [2, -1]);
      await awg.setWaveform(1, "SQU");
      assert.equal(await awg.getWaveform(1), "SQU");
      await awg.setOutputEnabled(1, true);
      assert.equal(await awg.getOutputEnabled(1), true);
      await awg.reset();
      assert.equal(await awg.getOutputEnabled(1), false);
    });

    it("validates arguments before sending anything", async () => {
      const before = sim.received.length;
      await assert.rejects(awg.setFrequency(1, 40e6), (e: Error) => e instanceof InvalidArgumentError && /frequency.*40000000 Hz/.test(e.message));
      await assert.rejects(awg.setFrequency(3, 1), InvalidArgumentError);
      await assert.rejects(awg.setWaveform(1, "BOGUS" as "SIN"), InvalidArgumentError);
      assert.equal(sim.received.length, before);
    });

    it("reports the instrument's error queue as an InstrumentError", async () => {
      await awg.setOffset(1, 0);
      await awg.setAmplitude(1, 8);
      await assert.rejects(awg.setOffset(1, 4), (e: Error) => e instanceof InstrumentError && /-222,"Data out of range"/.test(e.message));
      assert.equal(await awg.getOffset(1), 0);
    });

    it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
      sim.fault = "garbage";
      await assert.rejects(awg.getFrequency(1), (e: Error) => e instanceof InstrumentError && /expected a number/.test(e.message));
      sim.fault = "silent";
      const started = Date.now();
      await assert.rejects(awg.getIdn(), (e: Error) => e instanceof TransportTimeoutError && /timeout after 5 s/.test(e.message));
      assert.ok(Date.now() - started < 7000);
      sim.fault = undefined;
      assert.equal((await awg.getIdn()).model, "33522B");
    });

    it("reports a disconnect as end of input", async () => {
      sim.fault = "disconnect";
      await assert.rejects(awg.getIdn(), EndOfInputError);
      sim.fault = undefined;
      await awg.close();
      await awg.open();
      assert.equal((await awg.getIdn()).serial, "MY123");
    });
  });

  describe("over USBTMC (simulated device behind the usb package's interface)", () => {
    let backend: SimUsbBackend;
    let previous: ReturnType<typeof setUsbBackend>;
    let device: UsbTmcSimDevice;
    let sim: Keysight33500BSim;
    before(() => {
      backend = new SimUsbBackend();
      previous = setUsbBackend(backend);
      sim = new Keysight33500BSim("MY999");
      device = backend.plug(new UsbTmcSimDevice({ vendorId: 0x0957, productId: 0x2c07, serialNumber: "MY999" }, sim));
    });
    after(() => setUsbBackend(previous));

    it("talks SCPI through DEV_DEP_MSG_OUT / REQUEST_DEV_DEP_MSG_IN with matching bTags", async () => {
      const awg = new Keysight33500B({ name: "awg", contextName: "test" }, "usbtmc:serialnr=MY999");
      await awg.open();
      try {
        assert.equal((await awg.getIdn()).serial, "MY999");
        await awg.setFrequency(1, 12345);
        assert.equal(await awg.getFrequency(1), 12345);
        assert.ok(device.controlLog.includes(5), "INITIATE_CLEAR was sent on open");
        assert.ok(device.bTagsAnswered.every((t) => t >= 1 && t <= 255));
        sim.fault = "silent";
        await assert.rejects(awg.getIdn(), TransportTimeoutError);
        assert.ok(device.controlLog.includes(3), "the timed-out bulk-IN transfer was aborted");
        sim.fault = undefined;
        assert.equal((await awg.getIdn()).model, "33522B");
      } finally {
        await awg.close();
      }
    });

    it("names the missing device and reports an unplugged one as end of input", async () => {
      const wrong = new Keysight33500B({ name: "awg", contextName: "test" }, "usbtmc:serialnr=NOPE");
      await assert.rejects(wrong.open(), /no such USB device.*0x0957:0x2c07 serial MY999/);
      const awg = new Keysight33500B({ name: "awg", contextName: "test" }, "usbtmc:serialnr=MY999");
      await awg.open();
      device.unplug();
      await assert.rejects(awg.getIdn(), EndOfInputError);
      await awg.close();
    });
  });

  it("refuses bad descriptors with an example", () => {
    assert.throws(() => new Keysight33500B({ name: "a", contextName: "t" }, "serial:/dev/ttyS0:baudrate=9600"), /unsupported scheme "serial".*tcp, usbtmc/);
    assert.throws(() => new Keysight33500B({ name: "a", contextName: "t" }, "tcp:host:99999"), /port="99999" is not an integer in \[1, 65535\].*Example/);
  });
});
