import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { separateNegativeNumbers } from "../../cli/call-command.ts";
import { runQmi } from "../helpers/proc-harness.ts";
import { qmiInProcess } from "../helpers/cli-in-process.ts";

/** Runs `qmi` with `args` in this process (bounded); `runQmi` runs it as a process where that is the point. */
const qmi = (...args: string[]) => qmiInProcess(args);

describe("qmi describe / qmi call against a running context", () => {
  let ctx: Context;
  let address: string;
  before(async () => {
    ctx = await Context.start("cli_server", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
    const echo = await ctx.makeInstrument("echo", EchoInstrument);
    await echo.open();
    address = ctx.address;
  });
  after(async () => ctx.stop());

  it("describes the context and one object, with signatures, docs and constant values", async () => {
    const context = await runQmi(["describe", "cli_server", "--address", address]);
    assert.equal(context.code, 0, context.stderr);
    assert.match(context.stdout, /^cli_server at 127\.0\.0\.1:\d+: qmi-ts \S+, workgroup default, pid \d+$/m);
    assert.match(context.stdout, /nsg +instrument +NoisySineGenerator +qmi\.drivers\.dummy\.noisy_sine_generator\.NoisySineGenerator/);
    const object = await qmi("describe", "cli_server.nsg", "--address", address);
    assert.equal(object.code, 0, object.stderr);
    assert.match(object.stdout, /setAmplitude\(amplitude: number\): Promise<void> +\[rpc SetAmplitude\]\n +Set the amplitude of the sine wave\./);
    assert.match(object.stdout, /DEFAULT_FREQUENCY: number = 2\n/);
    assert.match(object.stdout, /sampleTaken +\[rpc SubscribeSampleTaken\]/);
    assert.match(object.stdout, /^  lock: not locked$/m);
    const nsg = await ctx.getInstrument("cli_server.nsg");
    await nsg.lock();
    try {
      assert.match((await qmi("describe", "cli_server.nsg", "--address", address)).stdout, /^  lock: locked by cli_server$/m);
      assert.match((await qmi("describe", "cli_server", "--address", address)).stdout, /^  nsg +instrument .*\(locked by cli_server\)$/m);
    } finally {
      await nsg.unlock();
    }
    const missing = await qmi("describe", "cli_server.nothing", "--address", address);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /UnknownNameError: Context cli_server has no object named nothing \(objects: nsg, echo\)/);
  });

  it("calls methods from reflection alone, printing JSON results and error classes", async () => {
    const notOpen = await qmi("call", "cli_server.nsg.getSample", "--address", address);
    assert.equal(notOpen.code, 1);
    assert.match(notOpen.stderr, /qmi call: NotOpenError: Instrument nsg is not open/);
    assert.equal((await qmi("call", "cli_server.nsg.open", "--address", address)).code, 0);
    assert.equal((await qmi("call", "cli_server.nsg.setAmplitude", "5", "--address", address)).code, 0);
    assert.equal((await qmi("call", "cli_server.nsg.getAmplitude", "--address", address)).stdout, "5\n");
    const negative = await qmi("call", "cli_server.nsg.setAmplitude", "-5", "--address", address);
    assert.equal(negative.code, 1);
    assert.match(negative.stderr, /InvalidArgumentError: Bad value for amplitude: -5/);
    assert.equal((await qmi("call", "cli_server.echo.sum", "1", "2", "3", "--address", address)).stdout, "6\n");
    assert.equal((await qmi("call", "cli_server.echo.echoDate", "2026-01-02T03:04:05.006Z", "--address", address)).stdout, '"2026-01-02T03:04:05.006Z"\n');
    assert.equal((await qmi("call", "cli_server.echo.echoString", "plain text", "--address", address)).stdout, '"plain text"\n');
    assert.equal((await qmi("call", "cli_server.echo.EchoList", "[1,2.5]", "--address", address)).stdout, "[1,2.5]\n");
    assert.equal((await qmi("call", "cli_server.echo.echoRecord", '{"a":1,"b":2.5}', "--address", address)).stdout, '{"a":1,"b":2.5}\n');
    const notAnObject = await qmi("call", "cli_server.echo.echoRecord", "[1]", "--address", address);
    assert.equal(notAnObject.code, 2);
    assert.match(notAnObject.stderr, /^qmi call: argument values: expected a JSON object such as \{"a": 1\}, got \[1\]$/m);
    // Maps and dates inside a nested message, both ways.
    const setting = { channel: 2, waveform: "WAVEFORM_SQUARE", harmonics: [1, 0.5], labels: { probe: "x10", cable: "B" }, made_at: "2026-01-02T03:04:05.006Z", offset: 0.25 };
    const echoed = await qmi("call", "cli_server.echo.echoSetting", JSON.stringify(setting), "--address", address);
    assert.equal(echoed.code, 0, echoed.stderr);
    assert.deepEqual(JSON.parse(echoed.stdout), setting);
    const nestedNotAnObject = await qmi("call", "cli_server.echo.echoSetting", '{"labels":["x10"]}', "--address", address);
    assert.equal(nestedNotAnObject.code, 2);
    assert.match(nestedNotAnObject.stderr, /argument setting\.labels: expected a JSON object such as \{"a": 1\}, got \["x10"\]/);
    const nestedNotADate = await qmi("call", "cli_server.echo.echoSetting", '{"made_at":"soon"}', "--address", address);
    assert.equal(nestedNotADate.code, 2);
    assert.match(nestedNotADate.stderr, /argument setting\.made_at: expected an ISO 8601 date such as 2026-01-02T03:04:05Z, got "soon"/);
    const unknown = await qmi("call", "cli_server.nsg.fly", "--address", address);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /UnknownNameError: cli_server\.nsg has no RPC method fly/);
    const tooMany = await qmi("call", "cli_server.nsg.getSample", "1", "--address", address);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /takes at most 0 arguments, got 1/);
    assert.equal((await qmi("call", "cli_server.nsg.close", "--address", address)).code, 0);
  });

  it("carries a lock token, and is refused without it", async () => {
    const cliContext = await Context.start("qmi-cli", { config: null });
    try {
      await cliContext.connectToPeer("cli_server", { address });
      const holder = await cliContext.getInstrument("cli_server.nsg", NoisySineGeneratorProxy);
      assert.equal(await holder.lock({ lockToken: "cli-token" }), true);
      const refused = await qmi("call", "cli_server.nsg.isOpen", "--address", address);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /LockedError: The object is locked by another proxy/);
      const served = await qmi("call", "cli_server.nsg.isOpen", "--address", address, "--lock-token", "cli-token");
      assert.equal(served.stdout, "false\n");
      assert.equal(await holder.unlock(), true);
    } finally {
      await cliContext.stop();
    }
  });

  it("explains bad usage with exit code 2", async () => {
    const bad = await runQmi(["call", "no-dots"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected <context>\.<object>\.<method>/);
    assert.equal((await qmi("describe")).code, 2);
    assert.match((await qmi("call", "--help")).stdout, /Usage: qmi call/);
  });
});

describe("call-command argument handling", () => {
  it("keeps negative numbers as arguments", () => {
    assert.deepEqual(separateNegativeNumbers(["a.b.c", "-5", "--address", "h:1", "-1.5e3", "-t", "2"]), ["--address", "h:1", "-t", "2", "--", "a.b.c", "-5", "-1.5e3"]);
    assert.deepEqual(separateNegativeNumbers(["a.b.c", "-Infinity", "-.5"]), ["--", "a.b.c", "-Infinity", "-.5"]);
  });
});
