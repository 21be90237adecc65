/**
 * Making a QMI task: host the sine generator, run DemoTask in the background, read the amplitude meanwhile.
 *
 * Run: npx tsx examples/task-demo.ts [readings=5] [intervalSeconds=1]
 */
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { DemoTask } from "./demo-task.ts";

const readings = Number(process.argv[2] ?? 5);
const interval = Number(process.argv[3] ?? 1);
const pause = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

await qmi.startStop("task_demo", async () => {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await qmi.openClose(nsg, async () => {
    const task = await qmi.makeTask("task", DemoTask);
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
