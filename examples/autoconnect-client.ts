// Like examples/instr-client.ts, but getInstrument connects to the peer itself: autoConnect + hostPort instead of
// connectToPeer (tutorial: "Using the 'autoconnect' option"). Start examples/instr-server.ts first.
// Run: npx tsx examples/autoconnect-client.ts [--address host:port]   (default 127.0.0.1:40001)
import * as qmi from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { option } from "./args.ts";

const hostPort = option("address") ?? "127.0.0.1:40001";

await qmi.start("hello_world", { config: null });
const nsg = await qmi.getInstrument("instr_server.nsg", NoisySineGeneratorProxy, { autoConnect: true, hostPort });
await nsg.open();
console.log("sample:", await nsg.getSample());
await nsg.close();
await qmi.stop();
