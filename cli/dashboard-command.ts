/**
 * `qmi dashboard`: joins the lab as a context and serves a live web page of it (see `dashboard/`).
 *
 * ```sh
 * npx qmi dashboard                         # http://127.0.0.1:8420/
 * npx qmi dashboard --config lab.conf --open
 * ```
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { Context } from "../runtime/context/context.ts";
import { QmiError } from "../runtime/protocol/errors.ts";
import { isLoopbackHost } from "../runtime/discovery/scope.ts";
import { DEFAULT_DASHBOARD_PORT, startDashboard } from "../dashboard/server/dashboard-server.ts";
import { PROCESS_OUTPUT, type CommandOutput } from "./command-output.ts";
import { importModules } from "./import-modules.ts";

const DEFAULT_NAME = "qmi_dashboard";

const HELP = `Usage: qmi dashboard [options]

Serve a live web page of the lab: every context (found by the configuration
and by discovery in the workgroup), what each hosts, who holds which lock,
tasks, live plots of signals and a call form per method. The command joins the
lab as a context, like any script; Ctrl-C stops it.

Options:
  -p, --port <n>             the page's port; default dashboard.port of the
                             configuration, else ${DEFAULT_DASHBOARD_PORT} (0: any free port)
      --host <address>       the address to serve on; default dashboard.host,
                             else 127.0.0.1 (this machine only). Another address
                             lets other machines in: set security.token first
      --address <ctx=host:port>
                             a context to show that neither the configuration
                             nor discovery finds (repeatable)
      --open                 open the page in the default browser
      --name <context>       the dashboard's context name; default ${DEFAULT_NAME}
      --import <file>        a module to load first (repeatable), e.g. a lab
                             project's generated/index.ts, so that its drivers'
                             methods get call forms and its signals plots
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help

With security.token in the configuration the page asks for the token once and
keeps a session cookie; calls carry the token to the contexts.

Exit status: 0 when stopped, 1 when it could not start, 2 on bad usage.
`;

/** Runs `qmi dashboard` with `argv` until SIGINT or SIGTERM; resolves with the exit code. */
export async function runDashboard(argv: readonly string[], output: CommandOutput = PROCESS_OUTPUT): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string" },
        address: { type: "string", multiple: true },
        open: { type: "boolean" },
        name: { type: "string" },
        import: { type: "string", multiple: true },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    output.err(`qmi dashboard: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    output.out(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  const name = values.name ?? DEFAULT_NAME;
  const peers: [string, string][] = [];
  const usage = (message: string) => (output.err(`qmi dashboard: ${message}\n`), 2);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return usage(`--port must be a port number in [0, 65535], found ${JSON.stringify(values.port)}`);
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return usage(`--name ${JSON.stringify(name)}: a context name has letters, digits, '_' and '-'`);
  for (const entry of values.address ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)=([^=\s]+:\d+)$/.exec(entry);
    if (!match) return usage(`--address ${JSON.stringify(entry)}: write <context>=<host:port>, e.g. instr_server=127.0.0.1:40001`);
    peers.push([match[1]!, match[2]!]);
  }
  const missing = (values.import ?? []).find((file) => !existsSync(file));
  if (missing !== undefined) return usage(`--import ${missing}: no such file`);

  let context: Context | undefined;
  try {
    await importModules(values.import ?? []);
    await import("qmi-ts/generated/index");
    context = await Context.start(name, { config: values.config });
    for (const [peer, address] of peers) {
      await context.connectToPeer(peer, { address }).catch((error: unknown) => {
        const qmiError = QmiError.from(error);
        output.err(`qmi dashboard: ${peer} at ${address}: ${qmiError.name}: ${qmiError.message} (shown as disconnected)\n`);
      });
    }
    const configured = context.config.dashboard;
    const host = values.host ?? configured?.host;
    const dashboard = await startDashboard({ context, port: port ?? configured?.port ?? DEFAULT_DASHBOARD_PORT, ...(host !== undefined && { host }) });
    if (!isLoopbackHost(host ?? "127.0.0.1") && context.security.token === undefined) {
      output.err(`qmi dashboard: warning: serving ${dashboard.url} beyond this machine without security.token: anyone who can reach it can call every instrument\n`);
    }
    const workgroup = context.config.workgroup ?? "default";
    output.out(`Dashboard of workgroup ${workgroup} at ${dashboard.url} (Ctrl-C to stop)\n`);
    if (values.open) openInBrowser(dashboard.url, output);
    const reason = await new Promise<string>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        resolve(signal);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      void context!.waitUntilShutdown().then(resolve);
    });
    await dashboard.close();
    output.out(`Dashboard stopped (${reason})\n`);
    return 0;
  } catch (error) {
    const qmiError = QmiError.from(error);
    output.err(`qmi dashboard: ${qmiError.name}: ${qmiError.message}\n`);
    return 1;
  } finally {
    await context?.stop();
  }
}

/** Opens `url` with the desktop's opener; says so when there is none. */
function openInBrowser(url: string, output: CommandOutput): void {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(opener, [url], { detached: true, stdio: "ignore" });
  child.on("error", () => output.err(`qmi dashboard: could not start ${opener}; open ${url} yourself\n`));
  child.unref();
}
