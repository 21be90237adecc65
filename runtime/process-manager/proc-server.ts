/**
 * The process-management server's line protocol, spoken on stdin/stdout by `qmi proc server` (run over SSH by a
 * manager on another machine, or typed interactively). One request per line, one answer line per request:
 *
 * ```text
 * START <context>          ->  OK <pid>        | ERR <message>
 * STOP <context> <pid>     ->  OK 1 (stopped)  | OK 0 (was not running) | ERR <message>
 * STOP <context>           ->  the same, pid found by asking the context (graceful Shutdown first)
 * QUIT (or end of input)   ->  the server exits
 * ```
 *
 * Anything else is answered with `ERR unknown request ...` and the server keeps serving (QMI's server exits on it).
 * Requests are handled one at a time, in order.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { createInterface } from "node:readline";
import type { QmiConfig } from "../config/config-schema.ts";
import { QmiError } from "../protocol/errors.ts";
import { probeContext } from "./context-probe.ts";
import { startLocalContext, type LaunchOptions } from "./launcher.ts";
import { managedContext } from "./managed-context.ts";
import { outputDirectory } from "./output-file.ts";
import { ProcessManagerError } from "./process-manager-error.ts";
import { isProcessAlive, stopContext, terminateProcess, type StopOptions } from "./stopper.ts";

/** What the server does for each request. */
export interface ProcRequestHandlers {
  /** Starts the context; resolves with its pid. */
  start(context: string): Promise<number>;
  /** Stops the context (process `pid` when given); resolves with whether it was running. */
  stop(context: string, pid: number | undefined): Promise<boolean>;
}

/** The answer line (without newline) to one request line; undefined for a blank line or `QUIT`. */
export async function answerRequest(line: string, handlers: ProcRequestHandlers): Promise<string | undefined> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const [verb, context, pidText, ...extra] = words;
  if (verb === undefined || /^(quit|exit)$/i.test(verb)) return undefined;
  try {
    if (verb === "START" && context !== undefined && pidText === undefined) {
      return `OK ${await handlers.start(context)}`;
    }
    if (verb === "STOP" && context !== undefined && extra.length === 0) {
      let pid: number | undefined;
      if (pidText !== undefined) {
        pid = Number(pidText);
        if (!Number.isInteger(pid) || pid <= 0) return `ERR invalid pid ${JSON.stringify(pidText)}: expected STOP <context> <pid> with a positive integer pid`;
      }
      return `OK ${(await handlers.stop(context, pid)) ? 1 : 0}`;
    }
  } catch (error) {
    return `ERR ${oneLine(QmiError.from(error).message)}`;
  }
  return `ERR unknown request ${JSON.stringify(oneLine(line.trim()).slice(0, 80))}: expected START <context>, STOP <context> [<pid>] or QUIT`;
}

/** Serves requests from `input` until it ends or a `QUIT` arrives; answers go to `output`. */
export async function serveProcRequests(input: Readable, output: Writable, handlers: ProcRequestHandlers): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (/^\s*(quit|exit)\s*$/i.test(line)) break;
    const answer = await answerRequest(line, handlers);
    if (answer !== undefined) output.write(answer + "\n");
  }
  lines.close();
}

/** Options of {@link localRequestHandlers}. */
interface LocalHandlerOptions {
  readonly startTimeout?: LaunchOptions["startTimeout"];
  readonly graceSeconds?: StopOptions["graceSeconds"];
  readonly signalWaitSeconds?: StopOptions["signalWaitSeconds"];
}

/** Handlers that start and stop the contexts of `config` on this machine. */
export function localRequestHandlers(config: QmiConfig, configPath: string | undefined, options: LocalHandlerOptions = {}): ProcRequestHandlers {
  return {
    async start(name) {
      const context = managedContext(config, configPath, name);
      const result = await startLocalContext(context, {
        configPath,
        outputDir: outputDirectory(config, configPath),
        startTimeout: options.startTimeout,
      });
      if (result.outcome === "already-running") {
        throw new ProcessManagerError(`${name} is already running (pid ${result.info.pid}, version ${result.info.version}); stop it first`);
      }
      return result.pid;
    },
    async stop(name, pid) {
      const context = managedContext(config, configPath, name);
      if (pid === undefined) {
        const result = await stopContext(context, { graceSeconds: options.graceSeconds, signalWaitSeconds: options.signalWaitSeconds });
        return result.step !== "not-running";
      }
      if (!isProcessAlive(pid)) return false;
      const probe = await probeContext(context);
      if (probe.state !== "offline" && probe.info.pid !== pid) {
        throw new ProcessManagerError(`${name} answers with pid ${probe.info.pid}, not ${pid}; refusing to signal process ${pid}`);
      }
      return (await terminateProcess(pid, { waitSeconds: options.signalWaitSeconds })) !== "gone";
    },
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ");
}
