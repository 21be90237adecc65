// A simple measurement script: startStop and openClose make sure stop() and close() always happen
// (tutorial: "A simple QMI measurement script").
// Run: npx tsx examples/measure-demo.ts
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

async function measureData(nsg: qmi.Proxied<NoisySineGenerator>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < 1000; i++) samples.push(await nsg.getSample());
  console.log("number of samples:", samples.length);
  console.log("mean sample value:", samples.reduce((a, b) => a + b, 0) / samples.length);
}

await qmi.startStop(
  "measure_demo",
  async () => qmi.openClose(await qmi.makeInstrument("nsg", NoisySineGenerator), measureData),
  { config: null },
);
