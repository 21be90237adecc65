import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { RigolDg4102 } from "qmi-ts/drivers/rigol/dg4102";
import { RigolDg4102Proxy } from "qmi-ts/generated/drivers/rigol/dg4102";
import { startTcpSim, type SimServer } from "../../../sim/sim-tcp-server.ts";
import { ScpiProtocol, createTransport } from "../../../runtime/transport/index.ts";
import { RigolDg4102Sim } from "../../sim/rigol-dg4102.ts";

describe("RigolDg4102", { timeout: 15_000 }, () => {
  describe("over TCP, hosted in one context and called over gRPC from another", () => {
    let sim: RigolDg4102Sim;
    let server: SimServer & { port: number };
    let host: Context;
    let client: Context;
    let dg: RigolDg4102Proxy;
    before(async () => {
      sim = new RigolDg4102Sim("DG4E123456789");
      server = await startTcpSim(sim);
      host = await Context.start("dg_host", { config: null });
      client = await Context.start("dg_client", { config: null });
      await host.makeInstrument("dg", RigolDg4102, server.descriptor);
      await client.connectToPeer("dg_host", { address: host.address });
      dg = await client.getInstrument("dg_host.dg", RigolDg4102Proxy, { timeout: 10 });
      await dg.setReplyTimeout(0.3);
      await dg.open();
    });
    after(async () => {
      await client.stop();
      await host.stop();
      await server.close();
    });

    it("identifies the instrument", async () => {
      assert.deepEqual(await dg.getIdn(), { vendor: "Rigol Technologies", model: "DG4102", serial: "DG4E123456789", version: "00.01.12" });
    });

    it("sets and reads back waveform, frequency, amplitude, offset and output per channel", async () => {
      await dg.setWaveform(2, "SQU");
      assert.equal(await dg.getWaveform(2), "SQU");
      await dg.setFrequency(2, 2.5e6);
      assert.equal(await dg.getFrequency(2), 2.5e6);
      assert.equal(sim.channels[1].frequency, 2.5e6);
      await dg.setAmplitude(1, 2);
      await dg.setOffset(1, -1.25);
      assert.deepEqual([await dg.getAmplitude(1), await dg.getOffset(1)], [2, -1.25]);
      await dg.setOutputEnabled(2, true);
      assert.deepEqual([await dg.getOutputEnabled(1), await dg.getOutputEnabled(2)], [false, true]);
      assert.ok(sim.received.includes(":OUTP2 ON"));
      await dg.reset();
      assert.equal(await dg.getOutputEnabled(2), false);
    });

    it("validates arguments before sending anything", async () => {
      const sent = sim.received.length;
      await assert.rejects(dg.setFrequency(1, 150e6), (e: Error) => e instanceof InvalidArgumentError && /frequency.*150000000 Hz.*100000000 Hz/.test(e.message));
      await assert.rejects(dg.setOutputEnabled(0, true), (e: Error) => e instanceof InvalidArgumentError && /channel/.test(e.message));
      await assert.rejects(dg.setAmplitude(1, 0), InvalidArgumentError);
      await assert.rejects(dg.setOffset(2, 10.5), (e: Error) => e instanceof InvalidArgumentError && /offset.*10\.5 V.*-10 to 10 V/.test(e.message));
      await assert.rejects(dg.setWaveform(1, "ARB" as "SIN"), InvalidArgumentError);
      assert.equal(sim.received.length, sent);
    });

    it("reports the instrument's error queue as an InstrumentError", async () => {
      // 50 MHz is a valid sine frequency but beyond the ramp limit
      await dg.setWaveform(1, "RAMP");
      await assert.rejects(dg.setFrequency(1, 50e6), (e: Error) => e instanceof InstrumentError && /-222,"Data out of range"/.test(e.message));
      await dg.setOffset(1, 0);
      await dg.setAmplitude(1, 9);
      await assert.rejects(dg.setOffset(1, 1), (e: Error) => e instanceof InstrumentError && /after ":SOUR1:VOLT:OFFS 1": -222,"Data out of range"/.test(e.message));
      assert.equal(await dg.getOffset(1), 0);
    });

    it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
      sim.fault = "garbage";
      await assert.rejects(dg.getAmplitude(1), (e: Error) => e instanceof InstrumentError && /SOUR:VOLT\?.*expected a number/.test(e.message));
      await assert.rejects(dg.getOutputEnabled(1), (e: Error) => e instanceof InstrumentError && /expected ON or OFF/.test(e.message));
      await assert.rejects(dg.setOutputEnabled(1, true), (e: Error) => e instanceof InstrumentError && /unexpected reply to :SYST:ERR\?/.test(e.message));
      sim.fault = "silent";
      await assert.rejects(dg.getIdn(), (e: Error) => e instanceof TransportTimeoutError && /timeout after 0\.3 s/.test(e.message));
      sim.fault = undefined;
      assert.equal((await dg.getIdn()).model, "DG4102");
    });

    it("reports a disconnect as end of input", async () => {
      sim.fault = "disconnect";
      await assert.rejects(dg.getIdn(), EndOfInputError);
      sim.fault = undefined;
      await dg.close();
      await dg.open();
      assert.equal((await dg.getIdn()).serial, "DG4E123456789");
    });
  });

  describe("simulator", () => {
    it("queues -113 for an unknown command and answers in Rigol's formats", async () => {
      const server = await startTcpSim(new RigolDg4102Sim());
      const scpi = new ScpiProtocol(createTransport(server.descriptor), { timeout: 1 });
      await scpi.transport.open();
      try {
        await scpi.write(":SOUR1:APPL:WOBBLE");
        assert.deepEqual(await scpi.drainErrors(), ['-113,"Undefined header"']);
        assert.equal(await scpi.ask(":SOUR1:FREQ?"), "1.000000E+03");
        assert.equal(await scpi.ask(":OUTP1?"), "OFF");
      } finally {
        await scpi.transport.close();
        await server.close();
      }
    });
  });

  it("uses port 5555 by default and refuses other schemes", async () => {
    assert.throws(() => new RigolDg4102({ name: "a", contextName: "t" }, "usbtmc:serialnr=DG4E1"), /unsupported scheme "usbtmc".*tcp/);
    const dg = new RigolDg4102({ name: "a", contextName: "t" }, "tcp:127.0.0.1:connect_timeout=1");
    await assert.rejects(dg.open(), /127\.0\.0\.1:5555/);
  });
});
