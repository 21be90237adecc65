/**
 * Tasks and RPC methods, part 1: CustomTaskRunner.setAmplitudeFactor changes the running DemoTask; `withTask`
 * starts it and stops and joins it afterwards.
 *
 * Run: npx tsx examples/custom-runner-demo.ts [factor=1.0] [readings=5] [intervalSeconds=1]
 */
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { CustomTaskRunner, DemoTask } from "./demo-task.ts";

const factor = Number(process.argv[2] ?? 1.0);
const readings = Number(process.argv[3] ?? 5);
const interval = Number(process.argv[4] ?? 1);
const pause = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

await qmi.startStop("task_demo", async () => {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await qmi.openClose(nsg, async () => {
    const task = await qmi.makeTask("task", DemoTask, { taskRunner: CustomTaskRunner });
    await qmi.withTask(task, async () => {
      console.log("the task has been started");
      await pause(interval);
      await task.setAmplitudeFactor(factor);
      for (let i = 0; i < readings; i++) {
        console.log("amplitude =", await nsg.getAmplitude());
        await pause(interval);
      }
    });
    console.log("the task has been stopped");
  });
}, { config: null });
