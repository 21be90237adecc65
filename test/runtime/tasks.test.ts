/**
 * Tasks in-process: lifecycle (start once, stop before start, join rethrowing failures, init errors), settings
 * and status with their watches, custom runners, and the context stopping its tasks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context, TaskInitError, TaskRunError, UsageError, withTask } from "qmi-ts";
import { BrokenTask, CounterTask, StepRunner } from "../fixtures/tasks.ts";

async function withContext(name: string, body: (context: Context) => Promise<void>): Promise<void> {
  const context = await Context.start(name, { config: null });
  try {
    await body(context);
  } finally {
    await context.stop();
  }
}

describe("TaskRunner (in-process)", () => {
  it("starts once, stops, joins, and reports running", () =>
    withContext("task_life", async (context) => {
      const task = await context.makeTask("counter", CounterTask);
      assert.equal(await task.isRunning(), false);
      await task.start();
      await assert.rejects(task.start(), UsageError);
      assert.equal(await task.isRunning(), true);
      for await (const status of task.watchStatus()) if (status.count >= 3) break;
      await task.stop();
      await task.join({ timeout: 5 });
      assert.equal(await task.isRunning(), false);
      assert.ok((await task.getStatus()).count >= 3);
    }));

  it("stop before start means run() never runs", () =>
    withContext("task_nostart", async (context) => {
      const task = await context.makeTask("counter", CounterTask, { taskRunner: StepRunner });
      await task.stop();
      await task.start();
      await task.join({ timeout: 5 });
      assert.equal(await task.getRuns(), 0);
    }));

  it("join before start is a usage error; a failing run() is rethrown as a TaskRunError", () =>
    withContext("task_fail", async (context) => {
      const task = await context.makeTask("counter", CounterTask, { failAt: 3 });
      await assert.rejects(task.join(), UsageError);
      await task.start();
      const error = await task.join({ timeout: 5 }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof TaskRunError, String(error));
      assert.match(error.message, /counter overflow/);
    }));

  it("a constructor failure is a TaskInitError and hosts nothing", () =>
    withContext("task_init", async (context) => {
      await assert.rejects(context.makeTask("broken", BrokenTask), (e: unknown) => e instanceof TaskInitError && /no instrument found/.test(e.message));
      assert.equal(context.objects.get("broken"), undefined);
    }));

  it("queues settings, applies them on updateSettings and publishes them to watchSettings", () =>
    withContext("task_settings", async (context) => {
      const task = await context.makeTask("counter", CounterTask);
      assert.deepEqual(await task.getSettings(), { step: 1 });
      const seen: number[] = [];
      const watching = (async () => {
        for await (const settings of task.watchSettings()) {
          seen.push(settings.step);
          if (settings.step === 5) return;
        }
      })();
      await new Promise((r) => setTimeout(r, 20));
      await task.setSettings({ step: 5 });
      assert.deepEqual(await task.getPendingSettings(), { step: 5 });
      await withTask(task, async () => {
        await watching;
      });
      assert.deepEqual(seen, [5]);
      assert.deepEqual(await task.getSettings(), { step: 5 });
      assert.equal(await task.getPendingSettings(), undefined);
    }));

  it("removing the runner or stopping the context stops and joins the task", async () => {
    const context = await Context.start("task_remove", { config: null });
    const a = await context.makeTask("a", CounterTask);
    const b = await context.makeTask("b", CounterTask);
    await a.start();
    await b.start();
    await context.removeInstrument("a");
    assert.equal(context.objects.get("a"), undefined);
    const runner = context.objects.get("b")!.instance;
    await context.stop();
    assert.equal(await (runner as unknown as { isRunning(): Promise<boolean> }).isRunning(), false);
  });
});
