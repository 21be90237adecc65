import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, EndOfInputError, InstrumentError, InvalidArgumentError, TransportError, TransportTimeoutError } from "qmi-ts";
import { NewportSmc100cc } from "qmi-ts/drivers/newport/smc100cc";
import { hasSocat, startPtySim, type PtySim } from "../../../sim/sim-pty.ts";
import { skipUnlessPresent } from "../../helpers/requirements.ts";
import { NewportSmc100ccSim } from "../../sim/newport-smc100cc.ts";

const skip = skipUnlessPresent(hasSocat() ? false : "socat is not installed (test/setup.sh installs it when run as root)");

describe("NewportSmc100cc over a real pseudo terminal (socat)", { skip }, () => {
  let sim: NewportSmc100ccSim;
  let pty: PtySim;
  let context: Context;
  before(async () => {
    sim = new NewportSmc100ccSim(1, "UTS100CC");
    pty = await startPtySim(sim, "baudrate=57600");
    context = await Context.start("stage_host", { config: null });
  });
  after(async () => {
    await context.stop();
    await pty.close();
  });

  it("homes, moves, reads position and state through a context", async () => {
    const stage = await context.makeInstrument("stage", NewportSmc100cc, `serial:${pty.device}`);
    await stage.open();
    assert.deepEqual(await stage.getIdn(), { vendor: "Newport", model: "SMC100CC", serial: "UTS100CC", version: "SMC_CC firmware version 3.0.1" });
    assert.equal(await stage.getState(), "NOT_REFERENCED");
    await assert.rejects(stage.moveAbsolute(1), (e: Error) => e instanceof InstrumentError && /error H \(command not allowed in NOT REFERENCED state\)/.test(e.message));
    await stage.home();
    assert.equal(await stage.getState(), "READY");
    await stage.moveAbsolute(3.5);
    await stage.moveRelative(-1);
    assert.equal(await stage.getPosition(), 2.5);
    await assert.rejects(stage.moveAbsolute(20), /error G \(displacement out of limits\)/);
    assert.deepEqual(await stage.getLimits(), [-12.5, 12.5]);
    await stage.setVelocity(1.25);
    assert.equal(await stage.getVelocity(), 1.25);
    await assert.rejects(stage.setVelocity(-1), InvalidArgumentError);
    assert.deepEqual(sim.received.slice(0, 2), ["1VE", "1ID?"]);
    sim.fault = "garbage";
    await assert.rejects(stage.getPosition(), /unexpected reply/);
    sim.fault = "silent";
    await assert.rejects(stage.getPosition(), TransportTimeoutError);
    sim.fault = undefined;
    assert.equal(await stage.getPosition(), 2.5);
    await stage.close();
  });

  it("reports a vanished serial device as end of input, a timeout or a failed write, never a hang", async () => {
    const stage = new NewportSmc100cc({ name: "s", contextName: "t" }, `serial:${pty.device}`);
    await stage.open();
    sim.fault = "disconnect";
    await assert.rejects(stage.getPosition(), (e: Error) => e instanceof EndOfInputError || e instanceof TransportTimeoutError || e instanceof TransportError);
    await stage.close();
  });
});

describe("NewportSmc100cc arguments", () => {
  it("checks the address and the descriptor", () => {
    assert.throws(() => new NewportSmc100cc({ name: "s", contextName: "t" }, "serial:/dev/ttyUSB0", 40), /address: 40; expected an integer from 1 to 31/);
    assert.throws(() => new NewportSmc100cc({ name: "s", contextName: "t" }, "serial:/dev/ttyUSB0:parity=X"), /parity="X" is not one of N, E, O/);
    assert.throws(() => new NewportSmc100cc({ name: "s", contextName: "t" }, "tcp:127.0.0.1:1"), /expected one of serial/);
  });
});
