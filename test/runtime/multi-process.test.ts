import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, DeadlineError, InvalidArgumentError, NotOpenError, UnknownNameError, ConnectionError } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { startChild, type Child } from "../helpers/child-context.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";

for (const callPath of CALL_PATHS) describe(`an instrument in a second OS process (over the ${callPath} path)`, () => {
  let child: Child;
  let port: number;
  let client: Context;

  before(async () => {
    child = startChild("test/fixtures/nsg-server.ts", ["instr_server"]);
    port = Number((await child.waitForLine(/^LISTENING (\d+)$/, 30))[1]);
    client = await Context.start("client", { config: null });
  });
  after(async () => {
    await client.stop();
    child.kill();
  });

  it("is driven through connectToPeer and getInstrument, with errors rethrown as their classes", async () => {
    await client.connectToPeer("instr_server", { address: `127.0.0.1:${port}`, callPath });
    const nsg = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    await assert.rejects(nsg.getSample(), NotOpenError);
    await nsg.open();
    const samples = [];
    for (let i = 0; i < 50; i++) samples.push(await nsg.getSample());
    assert.equal(samples.length, 50);
    assert.ok(samples.every((s) => Number.isFinite(s) && Math.abs(s) < 200));
    await nsg.setAmplitude(10);
    assert.equal(await nsg.getAmplitude(), 10);
    await assert.rejects(nsg.setFrequency(-2), InvalidArgumentError);
    await assert.rejects(nsg.wait(1, { timeout: 0.1 }), DeadlineError);
    await assert.rejects(client.getInstrument("instr_server.none"), UnknownNameError);
    const second = await client.getInstrument("instr_server.nsg2", NoisySineGeneratorProxy);
    assert.equal(await second.isOpen(), false);
    await nsg.close();
  });

  it("stops gracefully on a Shutdown request, after which calls fail with a connection error", async () => {
    const nsg = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    await client.requestPeerShutdown("instr_server", "test over");
    await child.waitForLine(/^STOPPED test over$/, 20);
    assert.equal(await child.waitForExit(20), 0);
    await assert.rejects(nsg.isOpen({ timeout: 2 }), (e: unknown) => e instanceof ConnectionError || e instanceof DeadlineError);
  });
});
