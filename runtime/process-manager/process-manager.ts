/**
 * The process manager: starts, stops and probes configured contexts, on this machine (launcher, stopper) or on
 * another host through its process-management server over SSH (`ssh-client.ts`). The `qmi proc` command is a
 * thin printer around it.
 *
 * ```ts
 * const { config, path } = loadConfig("examples/proc-demo.conf");
 * const manager = new ProcessManager({ config, configPath: path });
 * const demo = managedContext(config, path, "proc_demo");
 * await manager.start(demo);   // { outcome: "started", pid, outputFile, ... }
 * await manager.stop(demo);    // { step: "graceful", pid, seconds }
 * ```
 *
 * Actions on different contexts may run concurrently; the manager keeps no state between calls.
 *
 * @module
 */
import type { QmiConfig } from "../config/config-schema.ts";
import { probeContext, type ContextInfo, type ProbeResult } from "./context-probe.ts";
import { isManagedOverSsh } from "./context-selection.ts";
import { startLocalContext } from "./launcher.ts";
import type { ManagedContext } from "./managed-context.ts";
import { outputDirectory } from "./output-file.ts";
import { ProcessManagerError } from "./process-manager-error.ts";
import { openSshProcServer } from "./ssh-client.ts";
import { stopContext, type StopResult } from "./stopper.ts";

/** Options of {@link ProcessManager}. */
interface ProcessManagerOptions {
  readonly config: QmiConfig;
  /** The configuration file: passed to started programs, and anchors relative paths. */
  readonly configPath: string | undefined;
  /** Seconds a started program gets to answer. */
  readonly startTimeout?: number;
  /** Seconds a program gets to stop after the Shutdown request, before it is terminated. */
  readonly graceSeconds?: number;
  /** Seconds to wait after SIGTERM, and after SIGKILL. */
  readonly signalWaitSeconds?: number;
  /** The `ssh` program; default `ssh`. */
  readonly sshCommand?: string;
}

/** What {@link ProcessManager.start} did. */
type ManagerStartResult =
  | {
      readonly outcome: "started";
      readonly pid: number;
      /** The output file on this machine; undefined for a program started on another host. */
      readonly outputFile: string | undefined;
      /** The host it was started on over SSH; undefined when started here. */
      readonly remoteHost: string | undefined;
      readonly info: ContextInfo | undefined;
      readonly seconds: number;
    }
  | { readonly outcome: "already-running"; readonly info: ContextInfo };

/** A progress callback (one short line describing what is being waited for). */
type ProgressCallback = (message: string) => void;

/** Starts, stops and probes managed contexts. */
export class ProcessManager {
  constructor(private readonly options: ProcessManagerOptions) {}

  /** True when `context` is handled over SSH rather than on this machine. */
  isRemote(context: ManagedContext): boolean {
    return isManagedOverSsh(this.options.config, context.host);
  }

  /** Pings `context`. */
  status(context: ManagedContext): Promise<ProbeResult> {
    return probeContext(context);
  }

  /** Starts `context` unless it already answers; throws a {@link ProcessManagerError} when it cannot. */
  async start(context: ManagedContext, onProgress?: ProgressCallback): Promise<ManagerStartResult> {
    const { config, configPath } = this.options;
    if (!this.isRemote(context)) {
      const result = await startLocalContext(context, {
        configPath,
        outputDir: outputDirectory(config, configPath),
        startTimeout: this.options.startTimeout,
        onProgress,
      });
      return result.outcome === "started" ? { ...result, remoteHost: undefined } : result;
    }
    const before = await probeContext(context);
    if (before.state === "running") return { outcome: "already-running", info: before.info };
    const started = Date.now();
    onProgress?.(`starting ${context.name} on ${context.host} over SSH`);
    const server = this.#openServer(context);
    let pid: number;
    try {
      pid = await server.start(context.name, (this.options.startTimeout ?? 30) + 30);
    } finally {
      await server.close();
    }
    const after = await probeContext(context);
    return {
      outcome: "started",
      pid,
      outputFile: undefined,
      remoteHost: context.host,
      info: after.state === "running" ? after.info : undefined,
      seconds: (Date.now() - started) / 1000,
    };
  }

  /** Stops `context` with escalation (see `stopper.ts`); reports the step that was needed. */
  async stop(context: ManagedContext, onProgress?: ProgressCallback): Promise<StopResult> {
    const common = { graceSeconds: this.options.graceSeconds, signalWaitSeconds: this.options.signalWaitSeconds, onProgress };
    if (!this.isRemote(context)) return stopContext(context, common);
    return stopContext(context, {
      ...common,
      isGone: async () => (await probeContext(context, 1)).state === "offline",
      escalate: async (pid) => {
        onProgress?.(`asking the server on ${context.host} over SSH to terminate ${context.name} (pid ${pid})`);
        const server = this.#openServer(context);
        try {
          return (await server.stop(context.name, pid, 30)) ? "terminated" : "gone";
        } finally {
          await server.close();
        }
      },
    });
  }

  #openServer(context: ManagedContext) {
    const settings = this.options.config.process_management?.hosts?.[context.host] ?? {};
    try {
      return openSshProcServer(context.host, settings, this.options.sshCommand);
    } catch (error) {
      throw new ProcessManagerError(`Cannot run ssh for ${context.host}: ${(error as Error).message}`, { cause: error });
    }
  }
}
