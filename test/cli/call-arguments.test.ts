/**
 * `qmi call` reads each argument as its parameter's type (from the context's reflected descriptor) and refuses one
 * that does not fit before the method is called: exit status 2, a message naming the parameter and the type, and
 * the driver's state unchanged. Before, `setFrequency five` sent NaN to the driver.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { runQmi } from "../helpers/proc-harness.ts";
import { qmiInProcess } from "../helpers/cli-in-process.ts";

/** Runs `qmi` with `args` in this process (bounded; the first refusal below runs the command as a process). */
const qmi = (...args: string[]) => qmiInProcess(args);

describe("qmi call argument types", () => {
  let ctx: Context;
  let nsg: NoisySineGeneratorProxy;
  const call = (method: string, ...args: string[]) => qmi("call", `args_server.${method}`, ...args, "--address", ctx.address);

  before(async () => {
    ctx = await Context.start("args_server", { config: null });
    await ctx.makeInstrument("nsg", NoisySineGenerator);
    await (await ctx.makeInstrument("echo", EchoInstrument)).open();
    nsg = await ctx.getInstrument("args_server.nsg", NoisySineGeneratorProxy);
    await nsg.open();
    await nsg.setFrequency(3);
  });
  after(async () => ctx.stop());

  it("refuses a number that does not parse before calling, with exit status 2, and leaves the driver as it was", async () => {
    const five = await runQmi(["call", "args_server.nsg.setFrequency", "five", "--address", ctx.address]);
    assert.equal(five.code, 2, five.stderr);
    assert.equal(five.stderr, 'qmi call: argument frequency: expected a double, got "five"\n');
    for (const bad of ["", "1,5", "0x10", "3.2.1", "1e400", "nan"]) {
      const refused = await call("nsg.setFrequency", bad);
      assert.equal(refused.code, 2, `${bad}: ${refused.stderr}`);
      assert.match(refused.stderr, /^qmi call: argument frequency: expected a double, got /);
    }
    assert.equal(await nsg.getFrequency(), 3, "the driver was not called");
    const ok = await call("nsg.setFrequency", "2.5e0");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await nsg.getFrequency(), 2.5);
    // NaN only as the word itself, and then the driver judges it.
    const nan = await call("nsg.setFrequency", "NaN");
    assert.equal(nan.code, 1);
    assert.match(nan.stderr, /InvalidArgumentError: Bad value for frequency: NaN/);
    assert.equal((await call("echo.echoDouble", "-Infinity")).stdout, "null\n"); // JSON has no Infinity
  });

  it("checks integers against their type's range, exactly for 64 bits, with no fractions", async () => {
    const cases: [string, string, RegExp][] = [
      ["echo.echoInt32", "1.5", /argument value: expected an int32 \(an integer from -2147483648 to 2147483647\), got "1\.5"/],
      ["echo.echoInt32", "2147483648", /expected an int32/],
      ["echo.echoUint32", "-1", /argument value: expected a uint32 \(an integer from 0 to 4294967295\), got "-1"/],
      ["echo.echoUint64", "18446744073709551616", /expected a uint64 \(an integer from 0 to 18446744073709551615\)/],
      ["echo.echoBigint", "9223372036854775808", /expected an int64 \(an integer from -9223372036854775808 to 9223372036854775807\)/],
      ["echo.echoInt64", "1e3", /expected an int64/],
    ];
    for (const [method, text, message] of cases) {
      const refused = await call(method, text);
      assert.equal(refused.code, 2, `${method} ${text}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    assert.equal((await call("echo.echoInt32", "-2147483648")).stdout, "-2147483648\n");
    assert.equal((await call("echo.echoUint32", "4294967295")).stdout, "4294967295\n");
    assert.equal((await call("echo.echoBigint", "-9223372036854775808")).stdout, '"-9223372036854775808"\n', "exact beyond 2^53");
  });

  it("takes booleans as true or false, enums by name, strings as given, bytes as base64 and dates in ISO 8601", async () => {
    const yes = await call("echo.echoBoolean", "yes");
    assert.equal(yes.code, 2);
    assert.match(yes.stderr, /argument value: expected true or false, got "yes"/);
    assert.equal((await call("echo.echoBoolean", "false")).stdout, "false\n");
    const saw = await call("echo.echoWaveform", "SAW");
    assert.equal(saw.code, 2);
    assert.match(saw.stderr, /argument waveform: expected one of WAVEFORM_SINE, WAVEFORM_SQUARE, WAVEFORM_TRIANGLE, got "SAW"/);
    assert.equal((await call("echo.echoWaveform", "WAVEFORM_SQUARE")).stdout, '"WAVEFORM_SQUARE"\n');
    assert.equal((await call("echo.echoString", '"42"')).stdout, '"\\"42\\""\n', "a string is taken as given");
    assert.equal((await call("echo.echoBytes", "aGVsbG8=")).stdout, '"aGVsbG8="\n');
    const notBase64 = await call("echo.echoBytes", "hello!");
    assert.equal(notBase64.code, 2);
    assert.match(notBase64.stderr, /argument value: expected bytes as base64, got "hello!"/);
    assert.equal((await call("echo.echoDate", "2026-01-02T03:04:05.006+01:00")).stdout, '"2026-01-02T02:04:05.006Z"\n');
    const notIso = await call("echo.echoDate", "Jan 2 2026");
    assert.equal(notIso.code, 2);
    assert.match(notIso.stderr, /argument value: expected an ISO 8601 date such as 2026-01-02T03:04:05Z, got "Jan 2 2026"/);
    const float = await call("echo.echoFloat", "1e39");
    assert.equal(float.code, 2);
    assert.match(float.stderr, /expected a float/);
  });

  it("checks the values inside JSON messages and lists the same way, and refuses unknown fields", async () => {
    const list = await call("echo.EchoList", '[1,"x"]');
    assert.equal(list.code, 2);
    assert.match(list.stderr, /argument values\[1\]: expected a double, got "x"/);
    const notAList = await call("echo.EchoList", "1");
    assert.equal(notAList.code, 2);
    assert.match(notAList.stderr, /argument values: expected a JSON list such as \[1, 2\], got 1/);
    const channel = await call("echo.echoSetting", '{"channel":-1}');
    assert.equal(channel.code, 2);
    assert.match(channel.stderr, /argument setting\.channel: expected a uint32/);
    const typo = await call("echo.echoSetting", '{"chanel":1}');
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /argument setting\.chanel: expected a field of ChannelSetting \(channel, waveform, harmonics, labels, made_at, offset\)/);
    const notJson = await call("echo.echoSetting", "{channel:1}");
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /argument setting: expected a JSON object \(ChannelSetting\), got "\{channel:1\}"/);
    const waveform = await call("echo.echoSetting", '{"waveform":"WAVEFORM_SAW"}');
    assert.equal(waveform.code, 2);
    assert.match(waveform.stderr, /argument setting\.waveform: expected one of WAVEFORM_SINE/);
  });
});
