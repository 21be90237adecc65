/**
 * Using the LoopTask: DemoLoopTask every `loopPeriod` seconds with the SKIP policy.
 *
 * Run: npx tsx examples/loop-task-demo.ts [loopPeriodSeconds=0.001] [readings=5] [intervalSeconds=0.01]
 */
import * as qmi from "qmi-ts";
import { LoopPolicy } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { DemoLoopTask } from "./demo-task.ts";

const loopPeriod = Number(process.argv[2] ?? 0.001);
const readings = Number(process.argv[3] ?? 5);
const interval = Number(process.argv[4] ?? 0.01);
const pause = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

await qmi.startStop("task_demo", async () => {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await qmi.openClose(nsg, async () => {
    const task = await qmi.makeTask("task", DemoLoopTask, { loopPeriod, policy: LoopPolicy.SKIP });
    await task.start();
    console.log("the task has been started");
    await pause(interval);
    for (let i = 0; i < readings; i++) {
      console.log("amplitude =", await nsg.getAmplitude());
      await pause(interval);
    }
    await task.stop();
    await task.join();
    console.log("the task has been stopped");
  });
}, { config: null });
