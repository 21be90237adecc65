import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportTimeoutError } from "qmi-ts";
import { AnapicoApsin } from "qmi-ts/drivers/anapico/apsin";
import { AnapicoApsinProxy } from "qmi-ts/generated/drivers/anapico/apsin";
import { startTcpSim, type SimServer } from "../../../sim/sim-tcp-server.ts";
import { ScpiProtocol, createTransport } from "../../../runtime/transport/index.ts";
import { AnapicoApsinSim } from "../../sim/anapico-apsin.ts";

describe("AnapicoApsin", { timeout: 15_000 }, () => {
  describe("over TCP, hosted in one context and called over gRPC from another", () => {
    let sim: AnapicoApsinSim;
    let server: SimServer & { port: number };
    let host: Context;
    let client: Context;
    let rf: AnapicoApsinProxy;
    before(async () => {
      sim = new AnapicoApsinSim({ serial: "301-422000042-0101" });
      server = await startTcpSim(sim);
      host = await Context.start("apsin_host", { config: null });
      client = await Context.start("apsin_client", { config: null });
      await host.makeInstrument("rf", AnapicoApsin, server.descriptor);
      await client.connectToPeer("apsin_host", { address: host.address });
      rf = await client.getInstrument("apsin_host.rf", AnapicoApsinProxy, { timeout: 10 });
      await rf.setReplyTimeout(0.3);
      await rf.open();
    });
    after(async () => {
      await client.stop();
      await host.stop();
      await server.close();
    });

    it("selects dBm on open and identifies the instrument", async () => {
      assert.ok(sim.received.includes(":UNIT:POW DBM"));
      assert.deepEqual(await rf.getIdn(), { vendor: "AnaPico AG", model: "APSIN20G", serial: "301-422000042-0101", version: "0.4.106" });
    });

    it("sets and reads back frequency, power, output and reference source", async () => {
      await rf.setFrequency(3.2e9);
      assert.equal(await rf.getFrequency(), 3.2e9);
      assert.equal(sim.state.frequency, 3.2e9);
      await rf.setPower(-7.5);
      assert.equal(await rf.getPower(), -7.5);
      await rf.setOutputEnabled(true);
      assert.equal(await rf.getOutputEnabled(), true);
      await rf.setReferenceSource("EXT");
      assert.equal(await rf.getReferenceSource(), "EXT");
      await rf.reset();
      assert.deepEqual([await rf.getOutputEnabled(), await rf.getReferenceSource()], [false, "INT"]);
    });

    it("validates arguments before sending anything", async () => {
      const sent = sim.received.length;
      await assert.rejects(rf.setFrequency(50e9), (e: Error) => e instanceof InvalidArgumentError && /frequency.*50000000000 Hz.*9000 to 40000000000 Hz/.test(e.message));
      await assert.rejects(rf.setPower(-200), (e: Error) => e instanceof InvalidArgumentError && /power.*-200 dBm/.test(e.message));
      await assert.rejects(rf.setReferenceSource("AUTO" as "INT"), InvalidArgumentError);
      assert.equal(sim.received.length, sent);
    });

    it("reports the instrument's error queue as an InstrumentError", async () => {
      await rf.setPower(0);
      // -60 dBm passes the driver's family-wide check, but this simulated unit has no attenuator option
      await assert.rejects(rf.setPower(-60), (e: Error) => e instanceof InstrumentError && /after ":POW -60": -222,"Data out of range"/.test(e.message));
      assert.equal(await rf.getPower(), 0);
    });

    it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
      sim.fault = "garbage";
      await assert.rejects(rf.getFrequency(), (e: Error) => e instanceof InstrumentError && /FREQ\?.*expected a number/.test(e.message));
      await assert.rejects(rf.getReferenceSource(), (e: Error) => e instanceof InstrumentError && /expected INT or EXT/.test(e.message));
      sim.fault = "silent";
      await assert.rejects(rf.getIdn(), (e: Error) => e instanceof TransportTimeoutError && /timeout after 0\.3 s/.test(e.message));
      sim.fault = undefined;
      assert.equal((await rf.getIdn()).model, "APSIN20G");
    });

    it("reports a disconnect as end of input", async () => {
      sim.fault = "disconnect";
      await assert.rejects(rf.getPower(), EndOfInputError);
      sim.fault = undefined;
      await rf.close();
      await rf.open();
      assert.equal((await rf.getIdn()).serial, "301-422000042-0101");
    });
  });

  describe("simulator", () => {
    it("queues -113 for an unknown command and limits an out-of-range frequency", async () => {
      const server = await startTcpSim(new AnapicoApsinSim({ maxFrequency: 6e9 }));
      const scpi = new ScpiProtocol(createTransport(server.descriptor), { timeout: 1 });
      await scpi.transport.open();
      try {
        await scpi.write(":SWE:BOGUS 3");
        assert.deepEqual(await scpi.drainErrors(), ['-113,"Undefined header"']);
        await scpi.write(":FREQ 8e9");
        assert.deepEqual(await scpi.drainErrors(), []);
        assert.equal(await scpi.ask(":FREQ?"), "6000000000");
      } finally {
        await scpi.transport.close();
        await server.close();
      }
    });
  });

  it("uses port 18 by default and refuses other schemes", async () => {
    assert.throws(() => new AnapicoApsin({ name: "a", contextName: "t" }, "udp:127.0.0.1:18"), /unsupported scheme "udp".*tcp/);
    const rf = new AnapicoApsin({ name: "a", contextName: "t" }, "tcp:127.0.0.1:connect_timeout=1");
    await assert.rejects(rf.open(), /127\.0\.0\.1:18\b/);
  });
});
