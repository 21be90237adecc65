/**
 * `qmi contexts`: lists the contexts that answer discovery, as `showNetworkContexts()` does.
 *
 * ```sh
 * npx qmi contexts                       # contexts of the configured workgroup on this machine
 * npx qmi contexts --workgroup '*' --timeout 1
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../runtime/config/config.ts";
import { discoverContexts } from "../runtime/discovery/discover-contexts.ts";
import { DEFAULT_DISCOVERY_PORT, discoveryScope } from "../runtime/discovery/scope.ts";
import { QmiError } from "../runtime/protocol/errors.ts";
import { formatContextsTable } from "../runtime/context/network-contexts-table.ts";

const HELP = `Usage: qmi contexts [options]

List the qmi-ts contexts that answer discovery: name, address (host:port) and
whether this command is connected to them (it never is).

Options:
  -w, --workgroup <pattern>  workgroup to list (* and ? wildcards); default the
                             configuration's workgroup, else "default"
  -c, --context <pattern>    context names to list (* and ? wildcards); default *
      --address <ipv4>       also send the query there, e.g. a LAN broadcast
                             address (default: this machine only, 127.255.255.255)
  -p, --port <n>             UDP discovery port; default discovery.port, else ${DEFAULT_DISCOVERY_PORT}
  -t, --timeout <seconds>    how long to collect answers; default discovery.timeout, else 0.5
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help
`;

/** Runs `qmi contexts` with `argv`; resolves with the exit code. */
export async function runContexts(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        workgroup: { type: "string", short: "w" },
        context: { type: "string", short: "c" },
        address: { type: "string" },
        port: { type: "string", short: "p" },
        timeout: { type: "string", short: "t" },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    process.stderr.write(`qmi contexts: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const { config } = loadConfig(values.config);
    const port = values.port === undefined ? (config.discovery?.port ?? DEFAULT_DISCOVERY_PORT) : parseNumber("--port", values.port, true);
    const timeout = values.timeout === undefined ? (config.discovery?.timeout ?? 0.5) : parseNumber("--timeout", values.timeout, false);
    const address = values.address ?? config.discovery?.address;
    if (address !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new Error(`--address must be an IPv4 address, found ${JSON.stringify(address)}`);
    const found = await discoverContexts({
      scope: discoveryScope("127.0.0.1", address),
      port,
      workgroup: values.workgroup ?? config.workgroup ?? "default",
      contextName: values.context ?? "*",
      timeout,
    });
    process.stdout.write(formatContextsTable(found.map(({ name, address }) => ({ name, address, connected: false }))));
    return 0;
  } catch (error) {
    process.stderr.write(`qmi contexts: ${QmiError.from(error).message}\n`);
    return 1;
  }
}

function parseNumber(option: string, text: string, isPort: boolean): number {
  const value = Number(text);
  const ok = isPort ? Number.isInteger(value) && value > 0 && value <= 65535 : Number.isFinite(value) && value > 0;
  if (!ok) throw new Error(`${option} must be ${isPort ? "a port number in [1, 65535]" : "a positive number of seconds"}, found ${JSON.stringify(text)}`);
  return value;
}
