import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportError, TransportTimeoutError } from "qmi-ts";
import { SrsDc205 } from "qmi-ts/drivers/srs/dc205";
import { hasSocat, startPtySim, type PtySim } from "../../../sim/sim-pty.ts";
import { skipUnlessPresent } from "../../helpers/requirements.ts";
import { SrsDc205Sim } from "../../sim/srs-dc205.ts";

const skip = skipUnlessPresent(hasSocat() ? false : "socat is not installed (test/setup.sh installs it when run as root)");

describe("SrsDc205 over a real pseudo terminal (socat)", { skip }, () => {
  let sim: SrsDc205Sim;
  let pty: PtySim;
  let context: Context;
  before(async () => {
    sim = new SrsDc205Sim("20512345");
    pty = await startPtySim(sim, "baudrate=115200");
    context = await Context.start("source_host", { config: null });
  });
  after(async () => {
    await context.stop();
    await pty.close();
  });

  it("identifies, sets range, voltage and output through a context, with numeric and text tokens", async () => {
    const source = await context.makeInstrument("source", SrsDc205, `serial:${pty.device}`);
    await source.open();
    try {
      assert.equal(sim.terminator, "\n", "open() asked for LF-terminated replies (TERM LF)");
      assert.deepEqual(await source.getIdn(), { vendor: "Stanford Research Systems", model: "DC205", serial: "20512345", version: "1.00" });
      await source.reset();
      assert.equal(await source.getRange(), 1);
      await source.setRange(10);
      assert.equal(await source.getRange(), 10);
      await source.setVoltage(-2.5);
      assert.equal(await source.getVoltage(), -2.5);
      await source.setOutputEnabled(true);
      assert.equal(await source.getOutputEnabled(), true);
      await source.setTokenMode(true);
      assert.equal(await source.getTokenMode(), true);
      assert.equal(await source.getRange(), 10, "RANGE10 as text");
      assert.equal(await source.getOutputEnabled(), true, "ON as text");
      await source.setOutputFloating(true);
      assert.equal(await source.getOutputFloating(), true);
      assert.equal(await source.getInterlockClosed(), true);
      assert.equal(await source.getOverloaded(), false);
      await source.setTokenMode(false);
      assert.deepEqual([sim.output, sim.range, sim.voltage, sim.floating], [true, 1 /* RANGE10 */, -2.5, true]);
    } finally {
      await source.close();
    }
  });

  it("reports execution and command errors, and validates arguments before sending", async () => {
    const source = new SrsDc205({ name: "s", contextName: "t" }, `serial:${pty.device}`);
    await source.open();
    try {
      await source.reset();
      await source.setOutputEnabled(true);
      await assert.rejects(source.setRange(10), (e: Error) => e instanceof InstrumentError && /refused "RNGE 1": execution error 5 \(not compatible/.test(e.message));
      await assert.rejects(source.setVoltage(5), (e: Error) => e instanceof InstrumentError && /execution error 1 \(illegal value\)/.test(e.message));
      assert.equal(await source.getVoltage(), 0);
      const sent = sim.received.length;
      await assert.rejects(source.setRange(5), (e: Error) => e instanceof InvalidArgumentError && /range: 5 V; expected one of 1, 10, 100 V/.test(e.message));
      await assert.rejects(source.setVoltage(150), /voltage: 150 V; expected a number from -100 to 100 V/);
      await assert.rejects(source.setVoltage(Number.NaN), InvalidArgumentError);
      assert.equal(sim.received.length, sent, "nothing was sent");
      sim.lastCommandError = 2;
      await assert.rejects(source.setOutputEnabled(false), /command error 2 \(undefined command\)/);
    } finally {
      await source.close();
    }
  });

  it("turns garbage and silence into clear errors without hanging, and recovers", async () => {
    const source = new SrsDc205({ name: "s", contextName: "t" }, `serial:${pty.device}`);
    await source.open();
    try {
      sim.fault = "garbage";
      await assert.rejects(source.getVoltage(), (e: Error) => e instanceof InstrumentError && /expected a number/.test(e.message));
      await assert.rejects(source.getRange(), (e: Error) => e instanceof InstrumentError && /unexpected reply to RNGE\?/.test(e.message));
      sim.fault = "silent";
      const started = Date.now();
      await assert.rejects(source.getOutputEnabled(), TransportTimeoutError);
      assert.ok(Date.now() - started < 4000, "the timeout is bounded");
      sim.fault = undefined;
      assert.equal((await source.getIdn()).model, "DC205");
    } finally {
      await source.close();
    }
  });

  it("reports a vanished serial device as end of input, a timeout or a failed write, never a hang", async () => {
    const source = new SrsDc205({ name: "s", contextName: "t" }, `serial:${pty.device}`);
    await source.open();
    sim.fault = "disconnect";
    await assert.rejects(source.getVoltage(), (e: Error) => e instanceof EndOfInputError || e instanceof TransportTimeoutError || e instanceof TransportError);
    await source.close();
  });
});

describe("SrsDc205 arguments", () => {
  it("checks the descriptor", () => {
    assert.throws(() => new SrsDc205({ name: "s", contextName: "t" }, "serial:/dev/ttyUSB0:parity=X"), /parity="X" is not one of N, E, O/);
    assert.throws(() => new SrsDc205({ name: "s", contextName: "t" }, "tcp:127.0.0.1:1"), /expected one of serial/);
  });
});
