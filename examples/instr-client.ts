// Client of examples/instr-server.ts: connects to context `instr_server` and samples its `nsg` remotely
// (tutorial: "Accessing a remote instrument"). Start the server in another terminal first.
// Run: npx tsx examples/instr-client.ts [--config <file>] [--address host:port]
import * as qmi from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { EXAMPLES_CONFIG, option } from "./args.ts";

const address = option("address"); // default: contexts.instr_server of the configuration

await qmi.startStop(
  "hello_world",
  async (context) => {
    await context.connectToPeer("instr_server", address === undefined ? {} : { address });
    const nsg = await qmi.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    console.log(`${nsg}`);
    await qmi.openClose(nsg, async (nsg) => {
      for (let i = 0; i < 5; i++) console.log("sample:", await nsg.getSample());
    });
  },
  { config: option("config") ?? EXAMPLES_CONFIG },
);
