/**
 * Remote task control: a task in another process, controlled through `qmi.core.Task` and its generated service;
 * settings set remotely and observed through `watchSettings()`, and the same from a raw grpc-js client.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { Context, UsageError } from "qmi-ts";
import { CustomRpcControlTaskRunnerProxy } from "qmi-ts/generated/examples/demo-task";
import { IDL_ROOT } from "../../runtime/protocol/proto-files.ts";
import { startChild, type Child } from "../helpers/child-context.ts";
import { RemoteTarget } from "../../runtime/client/call-targets.ts";
import { PeerConnection } from "../../runtime/client/peer-connection.ts";

type Method = { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => Record<string, unknown> };

describe("remote tasks (task in a child process)", () => {
  let child: Child;
  let client: Context;
  let address: string;
  before(async () => {
    child = startChild("test/fixtures/task-server.ts");
    const [, port] = await child.waitForLine(/^LISTENING (\d+)/);
    address = `127.0.0.1:${port}`;
    client = await Context.start("task_client", { config: null });
    await client.connectToPeer("task_server", { address });
  });
  after(async () => {
    await client.stop();
    child.kill();
  });

  it("starts, sets settings through the custom runner, watches them, stops and joins", async () => {
    const task = await client.getInstrument("task_server.task", CustomRpcControlTaskRunnerProxy);
    assert.deepEqual(await task.getSettings(), { amplitude: 100 });
    await task.start();
    await assert.rejects(task.start(), UsageError);
    assert.equal(await task.isRunning(), true);
    const abort = new AbortController();
    const seen: number[] = [];
    const watching = (async () => {
      for await (const settings of task.watchSettings({ signal: abort.signal })) {
        seen.push(settings.amplitude);
        if (settings.amplitude === 42) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await task.setAmplitude(42);
    await watching;
    assert.deepEqual(seen, [42]);
    assert.deepEqual(await task.getSettings(), { amplitude: 42 });
    assert.ok((await task.getStatus()).updates >= 1);
    await task.stop();
    await task.join({ timeout: 10 });
    assert.equal(await task.isRunning(), false);
  });

  it("controls a task through the call channel like any other call, not on a unary route of its own", async () => {
    const peer = new PeerConnection("task_server", address, "task_channel_client", undefined, "channel");
    try {
      const task = new RemoteTarget(peer, "task3", CustomRpcControlTaskRunnerProxy.descriptor);
      const call = (method: string) => task.call(method, [], { timeout: 10 }, "token");
      assert.equal(await call("isRunning"), false);
      await call("start");
      assert.equal(await call("isRunning"), true);
      assert.equal(typeof ((await call("getStatus")) as { updates: unknown }).updates, "number");
      await call("stop");
      await call("join");
      assert.equal(await call("isRunning"), false);
      assert.equal(peer.channelCalls, 7);
    } finally {
      peer.close();
    }
  });

  it("serves SetSettings and WatchSettings to a raw grpc-js client", async () => {
    const definition = loadSync("qmi/examples/demo_task.proto", { includeDirs: [IDL_ROOT], keepCase: true, longs: String, defaults: true });
    const service = definition["qmi.examples.demo_task.CustomRpcControlTaskRunner"] as Record<string, Method>;
    const raw = new Client(address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("qmi-object", "task2");
    const stream = raw.makeServerStreamRequest(service.WatchSettings!.path, service.WatchSettings!.requestSerialize, service.WatchSettings!.responseDeserialize, {}, metadata, {});
    stream.on("error", () => undefined);
    await new Promise((resolve) => stream.once("metadata", resolve));
    const event = new Promise<Record<string, unknown>>((resolve) => stream.once("data", resolve));
    const unary = (m: Method, request: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) =>
        raw.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, metadata, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!))),
      );
    await unary(service.SetSettings!, { settings: { amplitude: 7 } });
    assert.equal(((await unary(service.GetPendingSettings!, {})).value as { amplitude: number }).amplitude, 7);
    const core = loadSync("qmi/core/task.proto", { includeDirs: [IDL_ROOT], keepCase: true, longs: String, defaults: true })["qmi.core.Task"] as Record<string, Method>;
    await unary(core.Start!, {});
    const received = await event;
    assert.equal((received.value as { amplitude: number }).amplitude, 7);
    assert.deepEqual([received.publisher_context, received.publisher_name, received.signal_name, received.sequence], ["task_server", "task2", "settingsUpdated", "1"]);
    assert.equal(JSON.parse(String((await unary(core.GetStatus!, {})).status_json)).updates, 1);
    await unary(core.Stop!, {});
    await unary(core.Join!, {});
    stream.cancel();
    raw.close();
  });
});
