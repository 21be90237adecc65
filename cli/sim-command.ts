/**
 * `qmi sim <driver> [--port n]`: starts an instrument simulator on 127.0.0.1 (or a pty pair for serial
 * instruments) and prints the transport descriptor to give the driver; runs until Ctrl-C.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { QmiError } from "../runtime/protocol/errors.ts";
import { simCatalog } from "../sim/catalog.ts";

const HELP = `Usage: qmi sim <driver> [options]

Start a simulated instrument so a driver can be tried without hardware, and
print the transport descriptor to pass to the driver. TCP and UDP simulators
listen on 127.0.0.1 only; serial ones sit behind a pseudo-terminal pair (socat).
Stops on Ctrl-C.

Drivers:
${Object.entries(simCatalog)
  .map(([name, entry]) => `  ${name.padEnd(26)} ${entry.transport.padEnd(6)} ${entry.driver}`)
  .join("\n")}

Options:
  -p, --port <n>   TCP/UDP port (default: any free port)
  -h, --help       show this help
`;

/** Runs `qmi sim`; resolves with the exit code once stopped. */
export async function runSim(argv: readonly string[], signal?: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    process.stderr.write(`qmi sim: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const name = positionals[0];
  const entry = name === undefined ? undefined : simCatalog[name];
  if (!entry || positionals.length !== 1) {
    process.stderr.write(`qmi sim: ${name === undefined ? "name a driver" : `unknown driver ${JSON.stringify(name)}`}\n\n${HELP}`);
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`qmi sim: bad --port ${JSON.stringify(values.port)}; expected an integer port number in [0, 65535]\n`);
    return 2;
  }
  try {
    const server = await entry.start(entry.create(), port);
    process.stdout.write(`Simulating ${entry.driver}\ntransport descriptor: ${server.descriptor}\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      signal?.addEventListener("abort", stop, { once: true });
    });
    await server.close();
    return 0;
  } catch (error) {
    process.stderr.write(`qmi sim: ${QmiError.from(error).message}\n`);
    return 1;
  }
}
