// Instrument server: context `instr_server` hosts the noisy sine generator `nsg` for other programs
// (tutorial: "Accessing a remote instrument"). Stops on Ctrl-C, SIGTERM or a Shutdown request.
// Run: npx tsx examples/instr-server.ts [--config <file> | --port <n>]   (default config: examples/qmi.conf)
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EXAMPLES_CONFIG, option } from "./args.ts";

const port = option("port");
const config: qmi.ConfigSource =
  port === undefined
    ? (option("config") ?? EXAMPLES_CONFIG)
    : { logging: { console_loglevel: "INFO" }, contexts: { instr_server: { host: "127.0.0.1", tcp_server_port: Number(port) } } };

await qmi.start("instr_server", { config });
await qmi.makeInstrument("nsg", NoisySineGenerator);
console.log(`instr_server.nsg serving on ${qmi.context().address}`);

const signalled = new Promise<string>((resolve) => {
  for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => resolve(name));
});
const reason = await Promise.race([qmi.context().waitUntilShutdown(), signalled]);
console.log(`stopping (${reason})`);
await qmi.stop();
console.log("stopped");
