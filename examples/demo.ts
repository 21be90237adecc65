// The tutorial's main flow in one run, on embedded defaults (no configuration file): hello, instrument control,
// a measurement script, and remote access to an instrument server started as a child process.
// Run: npm run demo
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

const heading = (title: string) => console.log(`\n=== ${title} ${"=".repeat(Math.max(0, 70 - title.length))}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

heading("Hello QMI!");
await qmi.start("hello_world", { config: null });
console.log(`${qmi.context()} serving on ${qmi.context().address}`);
await qmi.stop();

heading("Controlling a QMI instrument");
await qmi.start("nsg_demo", { config: null });
const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
console.log(`${nsg}\n`);
qmi.help(nsg, "getSample");
try {
  await nsg.getSample();
} catch (error) {
  if (!(error instanceof qmi.NotOpenError)) throw error;
  console.log(`Whoops: ${error.name}: ${error.message}\n`);
}
await nsg.open();
for (let i = 0; i < 40; i++) {
  const sample = await nsg.getSample();
  console.log(" ".repeat(Math.trunc(40 + 0.25 * sample)) + "*");
  await sleep(10);
}
await nsg.close();
await qmi.stop();

heading("A simple QMI measurement script");
await qmi.startStop(
  "measure_demo",
  async () =>
    qmi.openClose(await qmi.makeInstrument("nsg", NoisySineGenerator), async (nsg) => {
      const samples: number[] = [];
      for (let i = 0; i < 1000; i++) samples.push(await nsg.getSample());
      console.log("number of samples:", samples.length);
      console.log("mean sample value:", samples.reduce((a, b) => a + b, 0) / samples.length);
    }),
  { config: null },
);

heading("Accessing a remote instrument");
const server = await startInstrumentServer();
console.log(`instrument server (pid ${server.pid}) serves instr_server.nsg on ${server.address}`);
try {
  await qmi.startStop(
    "hello_world",
    async (context) => {
      await context.connectToPeer("instr_server", { address: server.address });
      const nsg = await qmi.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
      console.log(`${nsg}`);
      await qmi.openClose(nsg, async (nsg) => {
        for (let i = 0; i < 3; i++) console.log("remote sample:", await nsg.getSample());
      });
      context.disconnectFromPeer("instr_server");

      heading("Using the 'autoconnect' option");
      const again = await qmi.getInstrument("instr_server.nsg", NoisySineGeneratorProxy, {
        autoConnect: true,
        hostPort: server.address,
      });
      await qmi.openClose(again, async (nsg) => console.log("remote sample:", await nsg.getSample()));

      console.log("\nasking instr_server to shut down");
      await context.requestPeerShutdown("instr_server", "demo finished");
    },
    { config: null },
  );
} finally {
  console.log(`instrument server exited with code ${await server.exit(5)}`);
}

/** Starts examples/instr-server.ts on an ephemeral loopback port; resolves once it printed its address. */
async function startInstrumentServer() {
  const script = new URL("./instr-server.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), script, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stderr }).on("line", (line) => console.log(`  [instr_server] ${line}`));
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("instrument server did not start within 10 s")), 10_000);
    exited.then((code) => reject(new Error(`instrument server exited early with code ${code}`)));
    lines.on("line", (line) => {
      console.log(`  [instr_server] ${line}`);
      const match = /serving on (\S+:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  }).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    address,
    pid: child.pid,
    /** Waits up to `seconds` for the server to exit (SIGTERM, then SIGKILL, on overrun); resolves with its code. */
    async exit(seconds: number): Promise<number | null> {
      const overrun = setTimeout(() => child.kill("SIGTERM"), seconds * 1000);
      const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 2) * 1000);
      try {
        return await exited;
      } finally {
        clearTimeout(overrun);
        clearTimeout(killer);
      }
    },
  };
}
