// A background program for the process manager (tutorial: "qmi_proc demo"): context `proc_demo` prints a line
// each second until it is asked to stop (`npx qmi proc stop proc_demo`, i.e. qmi.core.Context/Shutdown) or gets
// Ctrl-C. Managed: npx qmi proc --config examples/proc-demo.conf start proc_demo
// Run by hand: npx tsx examples/proc-demo.ts [--config <file>]   (default: $QMI_CONFIG, else examples/proc-demo.conf)
import * as qmi from "qmi-ts";
import { option } from "./args.ts";

const config = option("config") ?? process.env.QMI_CONFIG ?? new URL("./proc-demo.conf", import.meta.url).pathname;

await qmi.startStop(
  "proc_demo",
  async (context) => {
    process.once("SIGINT", () => process.exit(130)); // Ctrl-C: stop at once, as in the tutorial
    console.log("just started the background process");
    while (!context.shutdownRequested()) {
      console.log("process is still running");
      await Promise.race([context.waitUntilShutdown(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
    console.log("process now stopping");
  },
  { config },
);
