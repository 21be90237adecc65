/**
 * Tasks and RPC methods, part 2: the script controls the amplitude through CustomRpcControlTaskRunner.setAmplitude,
 * which changes the task's settings; the task applies them with updateSettings().
 *
 * Run: npx tsx examples/rpc-control-demo.ts [steps=5] [intervalSeconds=1]
 */
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { CustomRpcControlTaskRunner, DemoRpcControlTask } from "./demo-task.ts";

const steps = Number(process.argv[2] ?? 5);
const interval = Number(process.argv[3] ?? 1);
const pause = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

await qmi.startStop("task_demo", async () => {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await qmi.openClose(nsg, async () => {
    const task = await qmi.makeTask("task", DemoRpcControlTask, { taskRunner: CustomRpcControlTaskRunner, period: interval });
    await qmi.withTask(task, async () => {
      console.log("the task has been started");
      for (let i = 0; i < steps; i++) {
        const sample = await nsg.getSample();
        const amplitude = await nsg.getAmplitude();
        console.log("sample =", sample, "amplitude =", amplitude);
        await task.setAmplitude(Math.abs(sample) > 10 ? amplitude * 0.9 : amplitude * 1.1);
        await pause(interval);
      }
    });
    console.log("the task has been stopped");
  });
}, { config: null });
