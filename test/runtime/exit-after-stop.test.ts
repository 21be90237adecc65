/**
 * A process exits promptly after `stop()` even when it left streams open towards a peer: every kind of stream a
 * peer connection opens ends with it (a subscription's `ended` settles with an error saying so), and nothing of
 * the connection keeps the event loop alive. Before, an open subscription kept the client ≈ 20 s after `stop()`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConnectionError, Context, SignalReceiver, SubscriptionEndedError } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { startChild, type Child } from "../helpers/child-context.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";

/** Well under the ≈ 20 s an open stream held the process, well over a loaded machine's exit time (≈ 50 ms). */
const EXIT_BOUND_MS = 3000;

/** Starts a server fixture and waits for its port. */
async function startServer(script: string, args: readonly string[]): Promise<{ child: Child; address: string }> {
  const child = startChild(script, args);
  const port = (await child.waitForLine(/^LISTENING (\d+)$/, 30))[1];
  return { child, address: `127.0.0.1:${port}` };
}

/** Asks a server fixture to stop (SIGTERM: a shutdown request) and waits for it. */
async function stopServer(server: { child: Child } | undefined): Promise<void> {
  if (!server) return;
  server.child.process.kill("SIGTERM");
  await server.child.waitForExit(20).catch(() => server.child.kill());
}

/**
 * Runs the client fixture with one open stream of `kind` and returns the milliseconds from its `STOPPED` line
 * (printed right after `await qmi.stop()`) to its exit, and its output.
 */
async function exitAfterStop(kind: string, peer: string, address: string, object = "nsg"): Promise<{ ms: number; output: string }> {
  const client = startChild("test/fixtures/open-streams-client.ts", [kind, "--peer", peer, "--address", address, "--object", object]);
  try {
    await client.waitForLine(/^OPEN$/, 30);
    await client.waitForLine(/^STOPPED \d+$/, 15);
    const stoppedAt = process.hrtime.bigint();
    // Waits longer than the bound, so that a slow exit is measured and reported rather than cut off.
    const code = await client.waitForExit(EXIT_BOUND_MS / 1000 + 10);
    const ms = Number(process.hrtime.bigint() - stoppedAt) / 1e6;
    assert.equal(code, 0, client.output());
    return { ms, output: client.output() };
  } finally {
    client.kill();
  }
}

/** Asserts a prompt exit, and that the stream ended with an error naming the closed connection. */
function assertPromptExit(result: { ms: number; output: string }, ended: RegExp | undefined): void {
  assert.ok(result.ms < EXIT_BOUND_MS, `exited ${Math.round(result.ms)} ms after stop(); output:\n${result.output}`);
  assert.doesNotMatch(result.output, /STILL RUNNING/);
  if (ended) assert.match(result.output, ended);
}

const closedConnection = /closed its connection to \w+ at 127\.0\.0\.1:\d+ \(stop\(\) or disconnectFromPeer\(\)\)/;

describe("Context.stop with streams left open to a peer", () => {
  let signals: { child: Child; address: string } | undefined;
  let tasks: { child: Child; address: string } | undefined;
  let instruments: { child: Child; address: string } | undefined;

  before(async () => {
    [signals, tasks, instruments] = await Promise.all([
      startServer("test/fixtures/signal-server.ts", ["signal_server"]),
      startServer("test/fixtures/task-server.ts", []),
      startServer("test/fixtures/nsg-server.ts", ["instr_server"]),
    ]);
  });
  after(async () => {
    await Promise.all([stopServer(signals), stopServer(tasks), stopServer(instruments)]);
  });

  it("exits promptly with a signal subscription open on the channel path; the subscription ends with SubscriptionEndedError", async () => {
    const result = await exitAfterStop("signal-channel", "signal_server", signals!.address);
    assertPromptExit(result, new RegExp(`^ENDED SubscriptionEndedError: subscribe signal_server\\.nsg\\.sampleTaken on .*${closedConnection.source}`, "m"));
  });

  it("exits promptly with a signal subscription open on the unary path", async () => {
    const result = await exitAfterStop("signal-unary", "signal_server", signals!.address);
    assertPromptExit(result, new RegExp(`^ENDED SubscriptionEndedError: subscribe signal_server\\.nsg\\.sampleTaken on .*${closedConnection.source}`, "m"));
  });

  it("exits promptly with a task's watchStatus() left open; the iteration ends with SubscriptionEndedError", async () => {
    const result = await exitAfterStop("watch-status", "task_server", tasks!.address);
    assertPromptExit(result, new RegExp(`^ENDED SubscriptionEndedError: subscribe task_server\\.task\\.statusUpdated on .*${closedConnection.source}`, "m"));
  });

  it("exits promptly holding a leased lock", async () => {
    const result = await exitAfterStop("lease", "instr_server", instruments!.address);
    assertPromptExit(result, undefined);
  });

  it("exits promptly with a leased lock() waiting on the unary path; the waiting call fails with ConnectionError", async () => {
    const result = await exitAfterStop("lease-waiting", "instr_server", instruments!.address, "nsg2");
    assertPromptExit(result, new RegExp(`^ENDED ConnectionError: instr_server\\.nsg2\\.lock\\(\\): .*${closedConnection.source}`, "m"));
  });
});

describe("Context.connectToPeer racing Context.stop", () => {
  it("closes a connection that completes while the context stops, and says so", async () => {
    const server = await Context.start("race_server", { config: null });
    const client = await Context.start("race_client", { config: null });
    try {
      const connecting = client.connectToPeer("race_server", { address: server.address });
      connecting.catch(() => undefined);
      await client.stop();
      await assert.rejects(connecting, /Context race_client stopped while connecting to race_server/);
      assert.deepEqual(client.peers(), []);
    } finally {
      await client.stop();
      await server.stop();
    }
  });
});

for (const callPath of CALL_PATHS) {
  describe(`Context.disconnectFromPeer (over the ${callPath} path)`, () => {
    let server: Context;
    let client: Context;

    before(async () => {
      server = await Context.start("disconnect_server", { config: null });
      await (await server.makeInstrument("nsg", NoisySineGenerator)).open();
      client = await Context.start("disconnect_client", { config: null });
    });
    after(async () => {
      await client.stop();
      await server.stop();
    });

    it("ends the peer's subscriptions and the calls in flight at once, and later calls fail with ConnectionError", async () => {
      await client.connectToPeer("disconnect_server", { address: server.address, callPath });
      const nsg = await client.getInstrument("disconnect_server.nsg", NoisySineGeneratorProxy);
      const receiver = new SignalReceiver();
      const subscription = await nsg.subscribe("sampleTaken", receiver);
      const local = await server.getInstrument("disconnect_server.nsg", NoisySineGeneratorProxy);
      await local.getSample();
      await receiver.getNextSignal(5);
      assert.equal(await local.lock(), true);
      const waiting = nsg.lock({ timeout: 20 }); // a call in flight for 20 s, waiting for the lock
      waiting.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));

      const disconnectedAt = Date.now();
      client.disconnectFromPeer("disconnect_server");
      const bound = new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), EXIT_BOUND_MS).unref());
      const ended = await Promise.race([subscription.ended, bound]);
      assert.ok(ended instanceof SubscriptionEndedError, `subscription.ended: ${String(ended)}`);
      assert.match(ended.message, closedConnection);
      await assert.rejects(
        Promise.race([waiting, bound.then(() => "still waiting")]),
        (e: unknown) => e instanceof ConnectionError && /closed/.test((e as Error).message),
      );
      assert.ok(Date.now() - disconnectedAt < EXIT_BOUND_MS);
      await assert.rejects(receiver.getNextSignal(1), SubscriptionEndedError, "the receiver reports the end");
      await assert.rejects(nsg.getSample({ timeout: 2 }), (e: unknown) => e instanceof ConnectionError && closedConnection.test((e as Error).message));
      await assert.rejects(nsg.subscribe("sampleTaken", new SignalReceiver()), SubscriptionEndedError);
      assert.equal(await local.unlock(), true);
    });
  });
}
