/**
 * `qmi proc`: the process manager (QMI's `qmi_proc`). Starts configured contexts' programs in the background,
 * stops them (gracefully first), restarts them and shows their status; `server` speaks the line protocol that a
 * manager on another machine uses over SSH.
 *
 * ```sh
 * npx qmi proc --config examples/proc-demo.conf status
 * npx qmi proc --config examples/proc-demo.conf start proc_demo
 * npx qmi proc --config examples/proc-demo.conf stop --all
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig, type LoadedConfig } from "../runtime/config/config.ts";
import { QmiError } from "../runtime/protocol/errors.ts";
import { selectContexts } from "../runtime/process-manager/context-selection.ts";
import type { ContextInfo, ProbeResult } from "../runtime/process-manager/context-probe.ts";
import { DEFAULT_START_TIMEOUT } from "../runtime/process-manager/launcher.ts";
import type { ManagedContext } from "../runtime/process-manager/managed-context.ts";
import { ProcessManager } from "../runtime/process-manager/process-manager.ts";
import { localRequestHandlers, serveProcRequests } from "../runtime/process-manager/proc-server.ts";
import { ProgressLine } from "../runtime/process-manager/progress-line.ts";
import { DEFAULT_GRACE_SECONDS, type StopResult } from "../runtime/process-manager/stopper.ts";

const ACTIONS = ["start", "stop", "restart", "status", "server"] as const;
type Action = (typeof ACTIONS)[number];

const COMMON = `  --config <file>      configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help           show this help`;
const SELECT = `  --all                every context with "enabled": true and a "program_module"
  --locals             the contexts of --all whose host is this machine (not
                       reached over SSH)`;

const HELP: Record<Action | "proc", string> = {
  proc: `Usage: qmi proc [--config <file>] [--all | --locals] <action> [context]

Start, stop and watch background programs, each of them a qmi-ts context
configured with "enabled": true, a "program_module" (a .ts or .js file, or a
module, relative to its working_dir) and a "tcp_server_port".

Actions:
  start     start the program in the background (output to
            <output_dir or qmi_home>/<context>_<date>_<time>.out)
  stop      ask it to shut down, then terminate, then kill it
  restart   stop, then start
  status    table of contexts: host, state, pid, version, uptime
  server    serve START/STOP requests on stdin/stdout (used over SSH)

Options:
${SELECT}
${COMMON}

Run \`qmi proc <action> --help\` for an action's options. Exit code: 0 when
everything succeeded, 1 when something failed, 2 for a usage error.
`,
  start: `Usage: qmi proc start [--config <file>] [--timeout <seconds>] (<context> | --all | --locals)

Start each context's program in the background, detached, stdin closed, its
output appended to <output_dir or qmi_home>/<context>_<UTC date>_<time>.out.
The program gets the configuration file in QMI_CONFIG. A context that already
answers on its port is not started again (for a named context that is an
error). Contexts on another host are started by its process-management
server over SSH (process_management.hosts.<host>).

Options:
${SELECT}
  --timeout <seconds>  how long a program gets to answer on its port; default
                       ${DEFAULT_START_TIMEOUT} (it is killed when it does not)
${COMMON}
`,
  stop: `Usage: qmi proc stop [--config <file>] [--grace <seconds>] (<context> | --all | --locals)

Stop each context: ask it to shut down (qmi.core.Context/Shutdown; the program
sees context().shutdownRequested()), wait up to the grace period, then send
SIGTERM, then SIGKILL. Prints which step was needed. A context that does not
answer is reported as not running.

Options:
${SELECT}
  --grace <seconds>    time for a graceful shutdown; default ${DEFAULT_GRACE_SECONDS}
${COMMON}
`,
  restart: `Usage: qmi proc restart [--config <file>] [--grace <s>] [--timeout <s>] (<context> | --all | --locals)

Stop (see \`qmi proc stop --help\`), then start (see \`qmi proc start --help\`)
each context.

Options:
${SELECT}
  --grace <seconds>    time for a graceful shutdown; default ${DEFAULT_GRACE_SECONDS}
  --timeout <seconds>  how long a program gets to answer; default ${DEFAULT_START_TIMEOUT}
${COMMON}
`,
  status: `Usage: qmi proc status [--config <file>] [<context> | --all | --locals]

Print a table of contexts (without a selection: every context with a
program_module): context, host, state (RUNNING, OFFLINE, or OTHER when another
context answers on its port), pid, version and uptime.

Options:
${SELECT}
${COMMON}
`,
  server: `Usage: qmi proc server [--config <file>]

Serve process-management requests on stdin/stdout, one per line, for a
manager on another machine (which runs this over SSH) or typed by hand:

  START <context>          ->  OK <pid>  |  ERR <message>
  STOP <context> [<pid>]   ->  OK 1 (stopped)  |  OK 0 (not running)  |  ERR <message>
  QUIT                     ->  exit (so does the end of input)

Any other request is answered with ERR and the server keeps going.

Options:
  --timeout <seconds>  how long a started program gets to answer; default ${DEFAULT_START_TIMEOUT}
  --grace <seconds>    time for a graceful shutdown (STOP without pid); default ${DEFAULT_GRACE_SECONDS}
${COMMON}
`,
};

/** Runs `qmi proc` with `argv`; resolves with the exit code. */
export async function runProc(argv: readonly string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: "string" },
        all: { type: "boolean" },
        locals: { type: "boolean" },
        timeout: { type: "string" },
        grace: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message, HELP.proc);
  }
  const [actionWord, contextName, ...extra] = positionals;
  const action = ACTIONS.find((a) => a === actionWord);
  if (values.help) {
    process.stdout.write(HELP[action ?? "proc"]);
    return 0;
  }
  if (actionWord === undefined) return usageError("an action is needed", HELP.proc);
  if (action === undefined) return usageError(`unknown action ${JSON.stringify(actionWord)}; use one of ${ACTIONS.join(", ")}`, HELP.proc);
  if (extra.length > 0) return usageError(`unexpected arguments: ${extra.join(" ")}`, HELP[action]);
  let startTimeout: number | undefined;
  let graceSeconds: number | undefined;
  try {
    startTimeout = seconds("--timeout", values.timeout);
    graceSeconds = seconds("--grace", values.grace);
  } catch (error) {
    return usageError((error as Error).message, HELP[action]);
  }
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(values.config);
  } catch (error) {
    process.stderr.write(`qmi proc: ${QmiError.from(error).message}\n`);
    return 2;
  }
  if (loaded.path === undefined) {
    process.stderr.write("qmi proc: no configuration file: pass --config <file>, set QMI_CONFIG, or create ~/qmi.conf\n");
    return 2;
  }
  if (action === "server") {
    if (contextName !== undefined || values.all || values.locals) return usageError("server takes no context, --all or --locals", HELP.server);
    if (process.stdin.isTTY) process.stderr.write("qmi proc server: type START <context>, STOP <context> [<pid>] or QUIT\n");
    await serveProcRequests(process.stdin, process.stdout, localRequestHandlers(loaded.config, loaded.path, { startTimeout, graceSeconds }));
    return 0;
  }
  let contexts: ManagedContext[];
  try {
    contexts = selectContexts(loaded.config, loaded.path, {
      context: contextName,
      all: values.all,
      locals: values.locals,
      defaultToAll: action === "status",
    });
  } catch (error) {
    return usageError(QmiError.from(error).message, HELP[action]);
  }
  if (contexts.length === 0) {
    process.stdout.write(`No contexts selected: none in ${loaded.path} has "enabled": true and a "program_module"${values.locals ? " on this machine" : ""}\n`);
    return 0;
  }
  const manager = new ProcessManager({ config: loaded.config, configPath: loaded.path, startTimeout, graceSeconds });
  if (action === "status") return printStatus(manager, contexts);
  const named = contextName !== undefined;
  let failed = 0;
  for (const context of contexts) {
    const progress = new ProgressLine(process.stdout);
    const onProgress = (message: string) => progress.update(message);
    try {
      if (action === "stop" || action === "restart") progress.done(`${context.name}: ${describeStop(await manager.stop(context, onProgress))}`);
      if (action === "start" || action === "restart") {
        const result = await manager.start(context, onProgress);
        if (result.outcome === "already-running") {
          const refused = named && action === "start";
          if (refused) failed++;
          progress.done(
            `${context.name}: ALREADY RUNNING (pid ${result.info.pid}, version ${result.info.version})` +
              (refused ? `; not starting a second copy (stop it first: qmi proc stop ${context.name})` : ""),
          );
        } else {
          const where = result.remoteHost ? `on ${result.remoteHost}` : `output ${result.outputFile}`;
          progress.done(`${context.name}: STARTED (pid ${result.pid}, ${where}, answered after ${result.seconds.toFixed(1)} s)`);
        }
      }
    } catch (error) {
      failed++;
      progress.done(`${context.name}: FAILED ${QmiError.from(error).message}`);
    }
  }
  if (failed > 0 && contexts.length > 1) process.stdout.write(`${failed} of ${contexts.length} contexts failed\n`);
  return failed > 0 ? 1 : 0;
}

function describeStop(result: StopResult): string {
  const pid = result.pid === undefined ? "" : `pid ${result.pid}, `;
  switch (result.step) {
    case "not-running":
      return "NOT RUNNING (nothing to stop)";
    case "graceful":
      return `STOPPED (${pid}gracefully after the Shutdown request, ${result.seconds.toFixed(1)} s)`;
    case "terminated":
      return `STOPPED (${pid}terminated with SIGTERM: it ignored the Shutdown request, ${result.seconds.toFixed(1)} s)`;
    case "killed":
      return `STOPPED (${pid}killed with SIGKILL: it ignored the Shutdown request and SIGTERM, ${result.seconds.toFixed(1)} s)`;
  }
}

async function printStatus(manager: ProcessManager, contexts: readonly ManagedContext[]): Promise<number> {
  const probes = await Promise.all(
    contexts.map((c): Promise<ProbeResult> =>
      c.port === undefined || c.port === 0 ? Promise.resolve({ state: "offline", reason: "no tcp_server_port" }) : manager.status(c),
    ),
  );
  const rows = contexts.map((c, i) => statusRow(c, probes[i]!));
  const header = ["context", "host", "state", "pid", "version", "uptime"];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd();
  process.stdout.write([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n");
  return 0;
}

function statusRow(context: ManagedContext, probe: ProbeResult): string[] {
  const host = context.port === undefined ? context.host : `${context.host}:${context.port}`;
  if (probe.state === "offline") {
    const state = context.port === undefined || context.port === 0 ? "UNKNOWN (no tcp_server_port)" : "OFFLINE";
    return [context.name, host, state, "-", "-", "-"];
  }
  const info: ContextInfo = probe.info;
  const state = probe.state === "running" ? "RUNNING" : `OTHER (${info.name})`;
  return [context.name, host, state, String(info.pid), info.version, formatUptime(info.uptimeSeconds)];
}

/** `3725` -> `1h02m05s`. */
function formatUptime(total: number): string {
  const s = Math.floor(total);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m${String(sec).padStart(2, "0")}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

function seconds(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${option} must be a positive number of seconds, found ${JSON.stringify(text)}`);
  return value;
}

function usageError(message: string, help: string): number {
  process.stderr.write(`qmi proc: ${message}\n\n${help}`);
  return 2;
}
