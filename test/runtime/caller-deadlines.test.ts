import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, status as Status } from "@grpc/grpc-js";
import { Context, DeadlineError } from "qmi-ts";
import { NoisySineGeneratorProxy, NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { CLOCK_WINDOW_MS, CallerClock, DEADLINE_METADATA, clockValue, isSameHost } from "../../runtime/protocol/caller-clock.ts";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { rawUnary } from "../helpers/raw-grpc.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE } from "../../runtime/protocol/core-services.ts";

describe("CallerClock, isSameHost and clockValue", () => {
  it("estimates the offset to the caller's clock from its smallest recent reading", () => {
    const clock = new CallerClock();
    assert.equal(clock.toLocal(1000), Infinity, "no reading yet: no absolute deadline");
    clock.observe(10_000, 15_020); // the caller's clock is 5 s behind, 20 ms in transit
    clock.observe(10_100, 15_400); // delayed (e.g. the server was frozen): does not count
    assert.equal(clock.toLocal(11_000), 16_020);
    clock.observe(10_200, 15_205); // faster in transit: a better estimate
    assert.equal(clock.toLocal(11_000), 16_005);
  });

  it("forgets readings older than two windows, following drift", () => {
    const clock = new CallerClock();
    clock.observe(0, 100);
    clock.observe(CLOCK_WINDOW_MS + 1000, CLOCK_WINDOW_MS + 1200); // a new window: the old one still counts
    assert.equal(clock.toLocal(0), 100);
    clock.observe(2 * CLOCK_WINDOW_MS + 2000, 2 * CLOCK_WINDOW_MS + 2300);
    assert.equal(clock.toLocal(0), 200, "the first window is gone");
  });

  it("knows loopback and this host's own addresses, and refuses implausible clock values", () => {
    for (const peer of ["127.0.0.1:5000", "127.1.2.3:1", "::1:5000", "[::1]:5000", "::ffff:127.0.0.1:80"]) assert.equal(isSameHost(peer), true, peer);
    for (const peer of ["192.0.2.1:5000", "2001:db8::1:443"]) assert.equal(isSameHost(peer), false, peer);
    assert.equal(clockValue("1796000000000"), 1_796_000_000_000);
    for (const bad of ["", "soon", "-5", "Infinity", "NaN", undefined, 0]) assert.equal(clockValue(bad), undefined, String(bad));
  });
});

describe("a same-host call arriving after its caller's deadline (qmi-deadline-ms)", () => {
  it("is answered DEADLINE_EXCEEDED without running, whatever its gRPC deadline, Shutdown included", async () => {
    const server = await Context.start("late_server", { config: { logging: { console_loglevel: "ERROR" } } });
    const raw = new Client(server.address, credentials.createInsecure());
    try {
      const shutdown = loadService(CONTEXT_PROTO, CONTEXT_SERVICE).Shutdown!;
      const late = await rawUnary(raw, shutdown.path, shutdown.requestSerialize({ reason: "late" }), { [DEADLINE_METADATA]: String(Date.now() - 1000) });
      assert.equal(late.code, Status.DEADLINE_EXCEEDED);
      assert.match(late.details, /Shutdown expired before it started/);
      assert.equal(server.shutdownRequested(), false);
      const bogus = await rawUnary(raw, shutdown.path, shutdown.requestSerialize({ reason: "in time" }), { [DEADLINE_METADATA]: "soon" });
      assert.equal(bogus.code, Status.OK, "an unreadable qmi-deadline-ms is ignored");
      assert.equal(server.shutdownRequested(), true);
    } finally {
      raw.close();
      await server.stop();
    }
  });
});

describe("calls whose caller was told DEADLINE_EXCEEDED do not run later (server frozen with SIGSTOP)", () => {
  let child: Child;
  let address: string;
  let client: Context;
  before(async () => {
    child = startChild("test/fixtures/nsg-server.ts", ["frozen_server"], { QMI_LOGLEVEL: "ERROR" });
    const [, port] = await child.waitForLine(/LISTENING (\d+)/);
    address = `127.0.0.1:${port}`;
    client = await Context.start("frozen_client", { config: { logging: { console_loglevel: "ERROR" } } });
  });
  after(async () => {
    child.process.kill("SIGCONT");
    child.process.kill("SIGTERM");
    await child.waitForExit(10).catch(() => child.kill());
    await client.stop();
  });

  it("refuses, after SIGCONT, the channel, unary and same-host raw calls that expired while it was stopped", async () => {
    const viaChannel = await Context.start("frozen_channel", { config: { logging: { console_loglevel: "ERROR" } } });
    try {
      await viaChannel.connectToPeer("frozen_server", { address, callPath: "channel" });
      await client.connectToPeer("frozen_server", { address, callPath: "unary" });
      const channelNsg = await viaChannel.getInstrument("frozen_server.nsg", NoisySineGeneratorProxy);
      const unaryNsg = await client.getInstrument("frozen_server.nsg", NoisySineGeneratorProxy);
      await unaryNsg.open();
      await channelNsg.setAmplitude(1); // the channel is open and has sent the server its clock
      const setAmplitude = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService).SetAmplitude!;
      const raw = new Client(address, credentials.createInsecure());

      child.process.kill("SIGSTOP");
      try {
        const outcomes = await Promise.allSettled([
          channelNsg.setAmplitude(2, { timeout: 1 }),
          unaryNsg.setAmplitude(3, { timeout: 1 }),
          rawUnary(raw, setAmplitude.path, setAmplitude.requestSerialize({ amplitude: 4 }), {
            "qmi-object": "nsg",
            [DEADLINE_METADATA]: String(Date.now() + 1000),
          }, 1000),
        ]);
        for (const outcome of outcomes.slice(0, 2)) {
          assert.equal(outcome.status, "rejected");
          assert.ok((outcome as PromiseRejectedResult).reason instanceof DeadlineError, String((outcome as PromiseRejectedResult).reason));
        }
        assert.equal((outcomes[2] as PromiseFulfilledResult<{ code: Status }>).value.code, Status.DEADLINE_EXCEEDED);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // stopped well past every deadline
      } finally {
        child.process.kill("SIGCONT");
        raw.close();
      }
      assert.equal(await unaryNsg.getAmplitude({ timeout: 10 }), 1, "none of the expired calls ran");
      assert.equal(await channelNsg.getAmplitude({ timeout: 10 }), 1);
      await unaryNsg.setAmplitude(5, { timeout: 10 });
      assert.equal(await channelNsg.getAmplitude({ timeout: 10 }), 5, "calls in time still run");
    } finally {
      await viaChannel.stop();
    }
  });
});
