import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportError, TransportTimeoutError } from "qmi-ts";
import { ThorlabsMff10x } from "qmi-ts/drivers/thorlabs/mff10x";
import { hasSocat, startPtySim, type PtySim } from "../../../sim/sim-pty.ts";
import { skipUnlessPresent } from "../../helpers/requirements.ts";
import { ThorlabsMff10xSim } from "../../sim/thorlabs-mff10x.ts";

const skip = skipUnlessPresent(hasSocat() ? false : "socat is not installed (test/setup.sh installs it when run as root)");

describe("ThorlabsMff10x over a real pseudo terminal (socat), binary APT messages", { skip }, () => {
  let sim: ThorlabsMff10xSim;
  let pty: PtySim;
  let context: Context;
  before(async () => {
    sim = new ThorlabsMff10xSim(37001234, "MFF002", [1, 0, 3]);
    pty = await startPtySim(sim, "baudrate=115200");
    context = await Context.start("flipper_host", { config: null });
  });
  after(async () => {
    await context.stop();
    await pty.close();
  });

  it("identifies the mount and flips it both ways through a context", async () => {
    const flipper = await context.makeInstrument("flipper", ThorlabsMff10x, `serial:${pty.device}`);
    await flipper.open();
    try {
      assert.deepEqual(await flipper.getIdn(), { vendor: "Thorlabs", model: "MFF002", serial: "37001234", version: "1.0.3" });
      assert.deepEqual(sim.received.slice(0, 2), [0x0018, 0x0005], "HW_NO_FLASH_PROGRAMMING on open, then HW_REQ_INFO");
      const termios = execFileSync("stty", ["-F", pty.device, "-a"], { encoding: "utf8", timeout: 5000 });
      assert.match(termios, /speed 115200 baud/);
      assert.match(termios, /(^|\s)crtscts(\s|$)/, "RTS/CTS flow control is on by default");
      assert.equal(await flipper.getPosition(), 1);
      assert.equal(await flipper.getStatusBits(), 0x01);
      sim.transitMs = 200;
      await flipper.moveTo(2);
      assert.equal(await flipper.getPosition(), 2);
      assert.equal(await flipper.isMoving(), false);
      assert.ok(sim.received.includes(0x046a), "MOT_MOVE_JOG was sent");
      await flipper.moveTo(2); // already there
      await flipper.moveTo(1, 3);
      assert.equal(sim.position, 1);
      await flipper.identify();
    } finally {
      await flipper.close();
    }
  });

  it("validates arguments before sending, and reports a mount that does not arrive", async () => {
    const flipper = new ThorlabsMff10x({ name: "f", contextName: "t" }, `serial:${pty.device}`);
    await flipper.open();
    try {
      const sent = sim.received.length;
      await assert.rejects(flipper.moveTo(3), (e: Error) => e instanceof InvalidArgumentError && /position: 3; expected an integer from 1 to 2/.test(e.message));
      await assert.rejects(flipper.moveTo(1, 100), /timeout: 100 s; expected a number from 0.1 to 60 s/);
      assert.equal(sim.received.length, sent, "nothing was sent");
      sim.blocked = true;
      await assert.rejects(flipper.moveTo(2, 0.3), (e: Error) => e instanceof InstrumentError && /did not reach position 2 within 0.3 s \(status bits 0x00000020\)/.test(e.message));
      assert.equal(await flipper.getPosition(), 0, "in transit");
      assert.equal(await flipper.isMoving(), true);
      sim.blocked = false;
      await flipper.moveTo(2);
    } finally {
      await flipper.close();
    }
  });

  it("turns error reports, garbage and silence into clear errors without hanging, and recovers", async () => {
    const flipper = new ThorlabsMff10x({ name: "f", contextName: "t" }, `serial:${pty.device}`);
    await flipper.open();
    try {
      sim.fault = "error";
      await assert.rejects(flipper.getPosition(), (e: Error) => e instanceof InstrumentError && /reported error 38 about message 0x0429: simulated motor fault/.test(e.message));
      sim.fault = "garbage";
      await assert.rejects(flipper.getIdn(), (e: Error) => e instanceof InstrumentError && /garbled reply \(07 3f 21 67/.test(e.message));
      sim.fault = "silent";
      const started = Date.now();
      await assert.rejects(flipper.getPosition(), TransportTimeoutError);
      assert.ok(Date.now() - started < 3000, "the timeout is bounded");
      sim.fault = undefined;
      assert.equal(await flipper.getPosition(), 2);
      assert.equal((await flipper.getIdn()).serial, "37001234");
    } finally {
      await flipper.close();
    }
  });

  it("reports a vanished serial device as end of input, a timeout or a failed write, never a hang", async () => {
    const flipper = new ThorlabsMff10x({ name: "f", contextName: "t" }, `serial:${pty.device}`);
    await flipper.open();
    sim.fault = "disconnect";
    await assert.rejects(flipper.getPosition(), (e: Error) => e instanceof EndOfInputError || e instanceof TransportTimeoutError || e instanceof TransportError);
    await flipper.close();
  });
});

describe("ThorlabsMff10x arguments", () => {
  it("accepts serial descriptors only", () => {
    const flipper = new ThorlabsMff10x({ name: "f", contextName: "t" }, "serial:/dev/ttyUSB0");
    assert.ok(flipper);
    assert.throws(() => new ThorlabsMff10x({ name: "f", contextName: "t" }, "tcp:127.0.0.1:1"), /expected one of serial/);
    assert.throws(() => new ThorlabsMff10x({ name: "f", contextName: "t" }, "serial:/dev/ttyUSB0:rtscts=maybe"), /rtscts="maybe" is not a boolean/);
  });
});
