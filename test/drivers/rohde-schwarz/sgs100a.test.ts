import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { RohdeSchwarzSgs100a } from "qmi-ts/drivers/rohde-schwarz/sgs100a";
import { RohdeSchwarzSgs100aProxy } from "qmi-ts/generated/drivers/rohde-schwarz/sgs100a";
import type { SimConnection, SimEndpoint } from "../../../sim/sim-instrument.ts";
import { startTcpSim, type SimServer } from "../../../sim/sim-tcp-server.ts";
import { ScpiProtocol, createTransport } from "../../../runtime/transport/index.ts";
import { RohdeSchwarzSgs100aSim } from "../../sim/rohde-schwarz-sgs100a.ts";

/** The simulator, with replies that can be held back (to produce late replies). */
class LaggingSim extends RohdeSchwarzSgs100aSim {
  lagMs = 0;
  override connect(endpoint: SimEndpoint): SimConnection {
    return super.connect({
      send: (data) => (this.lagMs > 0 ? void setTimeout(() => endpoint.send(data), this.lagMs) : endpoint.send(data)),
      disconnect: () => endpoint.disconnect(),
    });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("RohdeSchwarzSgs100a", { timeout: 15_000 }, () => {
  describe("over TCP, hosted in one context and called over gRPC from another", () => {
    let sim: LaggingSim;
    let server: SimServer & { port: number };
    let host: Context;
    let client: Context;
    let sgs: RohdeSchwarzSgs100aProxy;
    before(async () => {
      sim = new LaggingSim({ serial: "104321", maxFrequency: 6e9 });
      server = await startTcpSim(sim);
      host = await Context.start("sgs_host", { config: null });
      client = await Context.start("sgs_client", { config: null });
      await host.makeInstrument("sgs", RohdeSchwarzSgs100a, server.descriptor);
      await client.connectToPeer("sgs_host", { address: host.address });
      sgs = await client.getInstrument("sgs_host.sgs", RohdeSchwarzSgs100aProxy, { timeout: 10 });
      await sgs.setReplyTimeout(0.3);
      await sgs.open();
    });
    after(async () => {
      await client.stop();
      await host.stop();
      await server.close();
    });

    it("identifies the instrument", async () => {
      assert.deepEqual(await sgs.getIdn(), {
        vendor: "Rohde&Schwarz",
        model: "SGS100A",
        serial: "1416.0505k02/104321",
        version: "4.2.76.0-4.30.046.295",
      });
    });

    it("sets and reads back frequency, power, output, reference and modulation", async () => {
      await sgs.setFrequency(2.5e9);
      assert.equal(await sgs.getFrequency(), 2.5e9);
      assert.equal(sim.state.frequency, 2.5e9);
      await sgs.setPower(-12.5);
      assert.equal(await sgs.getPower(), -12.5);
      await sgs.setOutputEnabled(true);
      assert.equal(await sgs.getOutputEnabled(), true);
      await sgs.setReferenceSource("EXT");
      assert.equal(await sgs.getReferenceSource(), "EXT");
      await sgs.setExternalReferenceFrequency("100MHZ");
      assert.equal(await sgs.getExternalReferenceFrequency(), "100MHZ");
      await sgs.setIqEnabled(true);
      assert.equal(await sgs.getIqEnabled(), true);
      await sgs.setPulseModulationEnabled(true);
      assert.equal(await sgs.getPulseModulationEnabled(), true);
      await sgs.reset();
      assert.deepEqual([await sgs.getOutputEnabled(), await sgs.getIqEnabled(), await sgs.getReferenceSource()], [false, false, "INT"]);
    });

    it("validates arguments before sending anything", async () => {
      const sent = sim.received.length;
      await assert.rejects(sgs.setFrequency(20e9), (e: Error) => e instanceof InvalidArgumentError && /frequency.*20000000000 Hz.*1000000 to 12750000000 Hz/.test(e.message));
      await assert.rejects(sgs.setPower(30), (e: Error) => e instanceof InvalidArgumentError && /power.*30 dBm/.test(e.message));
      await assert.rejects(sgs.setReferenceSource("AUTO" as "INT"), InvalidArgumentError);
      await assert.rejects(sgs.setExternalReferenceFrequency("5MHZ" as "10MHZ"), InvalidArgumentError);
      await assert.rejects(sgs.setReplyTimeout(0), InvalidArgumentError);
      assert.equal(sim.received.length, sent);
    });

    it("reports the instrument's error queue as an InstrumentError", async () => {
      await sgs.setFrequency(1e9);
      // 8 GHz passes the driver's check (SGS-B112 range) but this simulated unit has the 6 GHz option
      await assert.rejects(sgs.setFrequency(8e9), (e: Error) => e instanceof InstrumentError && /-222,"Data out of range"/.test(e.message));
      assert.equal(await sgs.getFrequency(), 1e9);
    });

    it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
      sim.fault = "garbage";
      await assert.rejects(sgs.getPower(), (e: Error) => e instanceof InstrumentError && /SOUR:POW\?.*expected a number/.test(e.message));
      await assert.rejects(sgs.getOutputEnabled(), (e: Error) => e instanceof InstrumentError && /expected 1 or 0/.test(e.message));
      sim.fault = "silent";
      await assert.rejects(sgs.getIdn(), (e: Error) => e instanceof TransportTimeoutError && /timeout after 0\.3 s/.test(e.message));
      sim.fault = undefined;
      assert.equal((await sgs.getIdn()).model, "SGS100A");
    });

    it("drops a late reply to a timed-out query instead of taking it for the next reply", async () => {
      await sgs.setFrequency(3e9);
      await sgs.setPower(-5);
      sim.lagMs = 500;
      await assert.rejects(sgs.getPower(), TransportTimeoutError);
      sim.lagMs = 0;
      await pause(400); // the late "-5" arrives meanwhile
      assert.equal(await sgs.getFrequency(), 3e9);
    });

    it("reports a disconnect as end of input", async () => {
      sim.fault = "disconnect";
      await assert.rejects(sgs.getIdn(), EndOfInputError);
      sim.fault = undefined;
      await sgs.close();
      await sgs.open();
      assert.equal((await sgs.getIdn()).serial, "1416.0505k02/104321");
    });
  });

  describe("simulator", () => {
    it("queues -113 for an unknown command and reads the queue empty", async () => {
      const server = await startTcpSim(new RohdeSchwarzSgs100aSim());
      const scpi = new ScpiProtocol(createTransport(server.descriptor), { timeout: 1 });
      await scpi.transport.open();
      try {
        await scpi.write(":SOUR:BOGUS 1");
        assert.deepEqual(await scpi.drainErrors(), ['-113,"Undefined header"']);
        await scpi.write(":SOUR:ROSC:SOUR SIDEWAYS");
        assert.deepEqual(await scpi.drainErrors(), ['-224,"Illegal parameter value"']);
      } finally {
        await scpi.transport.close();
        await server.close();
      }
    });
  });

  it("refuses bad descriptors with an example", () => {
    assert.throws(() => new RohdeSchwarzSgs100a({ name: "a", contextName: "t" }, "usbtmc:serialnr=1"), /unsupported scheme "usbtmc".*tcp/);
    assert.throws(() => new RohdeSchwarzSgs100a({ name: "a", contextName: "t" }, "tcp:host:0"), /port="0" is not an integer in \[1, 65535\].*Example/);
  });
});
