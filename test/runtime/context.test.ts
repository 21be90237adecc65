import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as qmi from "qmi-ts";
import {
  Context,
  DeadlineError,
  Instrument,
  InvalidArgumentError,
  NotOpenError,
  UnknownNameError,
  UsageError,
  rpcMethod,
} from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

describe("Context (in-process calls)", () => {
  let ctx: Context;
  before(async () => {
    ctx = await Context.start("local_test", { config: null });
  });
  after(async () => {
    await ctx.stop();
  });

  it("serves on an ephemeral port on 127.0.0.1", () => {
    assert.ok(ctx.tcpServerPort > 0);
    assert.equal(ctx.address, `127.0.0.1:${ctx.tcpServerPort}`);
    assert.equal(String(ctx), "Context(name='local_test')");
  });

  it("hosts an instrument behind a typed generated proxy and calls every NSG method", async () => {
    const nsg = await ctx.makeInstrument("nsg", NoisySineGenerator);
    assert.ok(nsg instanceof NoisySineGeneratorProxy);
    assert.equal(String(nsg), "<rpc proxy for local_test.nsg (qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator)>");
    assert.equal(await nsg.isOpen(), false);
    await nsg.open();
    assert.equal(await nsg.isOpen(), true);
    assert.equal(await nsg.getFrequency(), 2.0);
    assert.equal(await nsg.getAmplitude(), 100.0);
    assert.equal(await nsg.getNoise(), 1.0);
    await nsg.setFrequency(0);
    await nsg.setNoise(0);
    await nsg.setAmplitude(5);
    assert.equal(await nsg.getFrequency(), 0);
    assert.equal(await nsg.getNoise(), 0);
    assert.equal(await nsg.getAmplitude(), 5);
    assert.equal(await nsg.getSample(), 0); // sin(0) with no noise
    await nsg.setFrequency(0.25);
    const sample = await nsg.getSample();
    assert.ok(Math.abs(sample) <= 5, `sample ${sample} within the amplitude`);
    await nsg.wait(0.01);
    await nsg.close();
    assert.equal(await nsg.isOpen(), false);
    await ctx.removeInstrument("nsg");
  });

  it("refuses calls to a closed instrument, and double open / double close", async () => {
    const nsg = await ctx.makeInstrument("closed", NoisySineGenerator);
    await assert.rejects(nsg.getSample(), (e: unknown) => e instanceof NotOpenError && /not open; call open\(\) first/.test(e.message));
    await assert.rejects(nsg.close(), UsageError);
    await nsg.open();
    await assert.rejects(nsg.open(), (e: unknown) => e instanceof UsageError && /already open/.test(e.message));
    await ctx.removeInstrument("closed");
  });

  it("rejects invalid arguments before and inside the driver", async () => {
    const nsg = await ctx.makeInstrument("args", NoisySineGenerator);
    await nsg.open();
    await assert.rejects(nsg.setAmplitude(-1), (e: unknown) => e instanceof InvalidArgumentError && /amplitude/.test(e.message));
    await assert.rejects(nsg.setNoise(Number.NaN), InvalidArgumentError);
    await assert.rejects(nsg.wait(-1), InvalidArgumentError);
    const untyped = nsg as unknown as { setFrequency(...args: unknown[]): Promise<void> };
    await assert.rejects(untyped.setFrequency("fast"), /expected a number, got the string "fast"/);
    await assert.rejects(untyped.setFrequency(), /frequency: a value is required/);
    await ctx.removeInstrument("args");
  });

  it("names unknown objects and refuses duplicate names", async () => {
    await assert.rejects(ctx.getInstrument("local_test.nothing"), (e: unknown) => e instanceof UnknownNameError && /no object named nothing/.test(e.message));
    await assert.rejects(ctx.getInstrument("nocontext.nsg"), (e: unknown) => e instanceof UnknownNameError && /not connected to nocontext/.test(e.message));
    await assert.rejects(ctx.getInstrument("malformed"), UsageError);
    await ctx.makeInstrument("dup", NoisySineGenerator);
    await assert.rejects(ctx.makeInstrument("dup", NoisySineGenerator), UsageError);
    await ctx.removeInstrument("dup");
  });

  it("bounds every call by a deadline, per call and per proxy, and serialises calls to one object", async () => {
    const nsg = await ctx.makeInstrument("slow", NoisySineGenerator);
    await nsg.open();
    await assert.rejects(nsg.wait(0.5, { timeout: 0.05 }), DeadlineError);
    const shortProxy = await ctx.getInstrument("local_test.slow", NoisySineGeneratorProxy, { timeout: 0.05 });
    await assert.rejects(shortProxy.wait(0.5), DeadlineError);
    // Queued behind the still-running waits, a call with a long timeout completes once they are done.
    assert.equal(typeof (await nsg.getSample({ timeout: 5 })), "number");
    await ctx.removeInstrument("slow");
  });

  it("addresses two instances of the same driver separately", async () => {
    const a = await ctx.makeInstrument("a", NoisySineGenerator);
    const b = await ctx.makeInstrument("b", NoisySineGenerator);
    await a.open();
    await b.open();
    await a.setAmplitude(1);
    await b.setAmplitude(2);
    const a2 = await ctx.getInstrument("local_test.a", NoisySineGenerator);
    assert.equal(await a2.getAmplitude(), 1);
    assert.equal(await b.getAmplitude(), 2);
    await ctx.removeInstrument("a");
    await ctx.removeInstrument("b");
  });

  it("hosts a class without generated code in-process, with the same semantics", async () => {
    class Counter extends Instrument {
      #count = 0;
      @rpcMethod async increment(by: number): Promise<number> {
        this.#count += by;
        return this.#count;
      }
    }
    const counter = await ctx.makeInstrument("counter", Counter);
    await assert.rejects(counter.increment(1), NotOpenError);
    await counter.open();
    assert.equal(await counter.increment(2), 2);
    assert.equal(await counter.increment(3, { timeout: 1 }), 5);
    assert.equal(ctx.describe().objects instanceof Array, true);
    await ctx.removeInstrument("counter");
  });

  it("prints help: class doc, methods with signatures and docs, signals and constants", async () => {
    const nsg = await ctx.makeInstrument("helpme", NoisySineGenerator);
    const text = qmi.helpText(nsg);
    assert.match(text, /Simulated instrument, useful for testing/);
    assert.match(text, /setAmplitude\(amplitude: number\): Promise<void>\n\s+Set the amplitude of the sine wave\./);
    assert.match(text, /Signals:\n\s+sampleTaken/);
    assert.match(text, /Constants:\n\s+DEFAULT_FREQUENCY: number/);
    assert.match(qmi.helpText(nsg, "getSample"), /^getSample\(\): Promise<number>\n.*\n\s+Returns: the sampled value\n$/);
    assert.match(qmi.helpText(nsg, "setFrequency"), /Parameters:\n\s+frequency: the new frequency in Hz; finite and >= 0/);
    assert.equal(inspect(nsg), String(nsg));
    assert.equal(inspect(ctx), "Context(name='local_test')");
    await ctx.removeInstrument("helpme");
  });
});

describe("start / stop / startStop / openClose", () => {
  it("runs the process-wide context and always stops it and closes the instrument", async () => {
    let proxy: qmi.Proxied<NoisySineGenerator> | undefined;
    const mean = await qmi.startStop(
      "measure_demo",
      async (ctx) => {
        assert.equal(qmi.context(), ctx);
        await assert.rejects(qmi.start("another"), UsageError);
        proxy = await qmi.makeInstrument("nsg", NoisySineGenerator);
        return qmi.openClose(proxy, async (nsg) => {
          assert.equal(await nsg.isOpen(), true);
          let sum = 0;
          for (let i = 0; i < 100; i++) sum += await nsg.getSample();
          return sum / 100;
        });
      },
      { config: null },
    );
    assert.equal(typeof mean, "number");
    assert.equal(qmi.isRunning(), false);
    assert.throws(() => qmi.context(), UsageError);
    await assert.rejects(qmi.stop(), UsageError);
  });

  it("stops the context when the body fails", async () => {
    await assert.rejects(
      qmi.startStop("failing", async () => { throw new Error("boom"); }, { config: null }),
      /boom/,
    );
    assert.equal(qmi.isRunning(), false);
  });
});

describe("Context.stop", () => {
  it("does not hang on a driver call that never returns", async () => {
    class Hanging extends Instrument {
      @rpcMethod({ requiresOpen: false }) async hang(): Promise<void> {
        await new Promise(() => {});
      }
    }
    const ctx = await Context.start("hang_test", { config: null });
    const hanging = await ctx.makeInstrument("hanging", Hanging);
    await assert.rejects(hanging.hang({ timeout: 0.1 }), DeadlineError);
    const started = Date.now();
    await ctx.stop();
    assert.ok(Date.now() - started < 20_000);
    await assert.rejects(ctx.makeInstrument("late", Hanging), /is stopped/);
  });
});
