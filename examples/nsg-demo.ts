// Controlling a QMI instrument: make the simulated noisy sine generator, read its help, open it, sample it and
// draw the tutorial's ASCII plot (tutorial: "Controlling a QMI instrument").
// Run: npx tsx examples/nsg-demo.ts [lines=1000] [delayMs=10]
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

const lines = Number(process.argv[2] ?? 1000);
const delayMs = Number(process.argv[3] ?? 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await qmi.start("nsg_demo", { config: null });
const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
console.log(`${nsg}`); // <rpc proxy for nsg_demo.nsg (...)>

qmi.help(nsg); // class doc, RPC methods, signals and constants
qmi.help(nsg, "getSample");

try {
  await nsg.getSample(); // not open yet
} catch (error) {
  if (!(error instanceof qmi.NotOpenError)) throw error;
  console.log(`Whoops: ${error.name}: ${error.message}`);
}

await nsg.open();
console.log("one sample:", await nsg.getSample());

for (let i = 0; i < lines; i++) {
  const sample = await nsg.getSample();
  console.log(" ".repeat(Math.trunc(40 + 0.25 * sample)) + "*");
  await sleep(delayMs);
}

await nsg.close();
await qmi.stop();
