/**
 * The launcher: starts a context's program in the background on this machine and waits (bounded) until the
 * context answers on its configured port.
 *
 * The program runs as `node --import tsx <program_module> ...program_args` (TypeScript and JavaScript alike),
 * detached in its own process group, stdin closed, stdout and stderr appended to its output file. It receives the
 * configuration file in `QMI_CONFIG`, so `qmi.start("<context>")` in the program reads the same file as the
 * manager (QMI loses it, its issue #218). A context that already answers is not started twice.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { probeContext, type ContextInfo } from "./context-probe.ts";
import { reachableAddress, type ManagedContext } from "./managed-context.ts";
import { outputFilePath } from "./output-file.ts";
import { ProcessManagerError } from "./process-manager-error.ts";

/** Seconds to wait for a started program to answer, by default. */
export const DEFAULT_START_TIMEOUT = 30;

/** The tsx loader of this package, passed to `node --import`. */
const TSX_LOADER = import.meta.resolve("tsx");

/** Options of {@link startLocalContext}. */
export interface LaunchOptions {
  /** The configuration file, passed to the program as `QMI_CONFIG`. */
  readonly configPath: string | undefined;
  /** Folder of the output file (see `output-file.ts`). */
  readonly outputDir: string;
  /** Seconds to wait for the context to answer; default {@link DEFAULT_START_TIMEOUT}. */
  readonly startTimeout?: number;
  /** Called with a short status while waiting (for a progress line). */
  readonly onProgress?: (message: string) => void;
}

/** What {@link startLocalContext} did. */
type StartResult =
  | {
      readonly outcome: "started";
      readonly pid: number;
      readonly outputFile: string;
      readonly info: ContextInfo;
      /** Seconds from launch until the context answered. */
      readonly seconds: number;
    }
  | { readonly outcome: "already-running"; readonly info: ContextInfo };

/**
 * Starts the program of `context` unless the context already answers. Throws a {@link ProcessManagerError} when
 * it is not startable, exits early, or does not answer in time (it is then killed).
 */
export async function startLocalContext(context: ManagedContext, options: LaunchOptions): Promise<StartResult> {
  if (context.programModule === undefined) {
    throw new ProcessManagerError(`Context ${context.name} has no program to start: set contexts.${context.name}.program_module in the configuration`);
  }
  const address = reachableAddress(context);
  const before = await probeContext(context);
  if (before.state === "running") return { outcome: "already-running", info: before.info };
  if (before.state === "other") {
    throw new ProcessManagerError(
      `Cannot start ${context.name}: context ${before.info.name} (pid ${before.info.pid}) already answers on ${address}; give ${context.name} another tcp_server_port`,
    );
  }
  const program = resolveProgram(context);
  mkdirSync(options.outputDir, { recursive: true });
  const outputFile = outputFilePath(options.outputDir, context.name);
  const args = ["--import", TSX_LOADER, program, ...context.programArgs];
  const fd = openSync(outputFile, "a");
  writeSync(fd, `== qmi proc: ${new Date().toISOString()} starting context ${context.name}: ${[process.execPath, ...args].join(" ")} (in ${context.workingDir})\n`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // set when the manager itself runs under node:test
  if (options.configPath !== undefined) env.QMI_CONFIG = options.configPath;
  Object.assign(env, context.env);
  let child;
  try {
    child = spawn(process.execPath, args, { cwd: context.workingDir, detached: true, stdio: ["ignore", fd, fd], env });
  } finally {
    closeSync(fd);
  }
  const launched = Date.now();
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not be run (${error.message})`));
    child.once("exit", (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  });
  let early: string | undefined;
  void exited.then((how) => (early = how));
  const timeout = options.startTimeout ?? DEFAULT_START_TIMEOUT;
  try {
    for (;;) {
      const elapsed = (Date.now() - launched) / 1000;
      if (early !== undefined) {
        throw new ProcessManagerError(
          `${context.name}: the program ${early} before answering on ${address}; see ${outputFile}${tail(outputFile)}`,
        );
      }
      if (elapsed > timeout) {
        killGroup(child.pid);
        throw new ProcessManagerError(
          `${context.name}: the program (pid ${child.pid}) did not answer on ${address} within ${timeout} s, so it was killed. ` +
            `Check that it calls qmi.start("${context.name}") and see ${outputFile}${tail(outputFile)}, or allow more time with --timeout`,
        );
      }
      options.onProgress?.(`waiting for ${context.name} to answer on ${address} (pid ${child.pid}, ${elapsed.toFixed(1)} s)`);
      const probe = await probeContext(context, 1);
      if (probe.state === "running") {
        child.unref();
        return { outcome: "started", pid: child.pid!, outputFile, info: probe.info, seconds: (Date.now() - launched) / 1000 };
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
    }
  } finally {
    child.removeAllListeners("exit");
  }
}

/** The program file: `program_module` relative to the working directory, else a module resolved from there. */
function resolveProgram(context: ManagedContext): string {
  const module = context.programModule!;
  if (!existsSync(context.workingDir) || !statSync(context.workingDir).isDirectory()) {
    throw new ProcessManagerError(`${context.name}: the working directory ${context.workingDir} does not exist; fix contexts.${context.name}.working_dir`);
  }
  const path = resolve(context.workingDir, module);
  if (existsSync(path) && statSync(path).isFile()) return path;
  try {
    return createRequire(join(context.workingDir, "noop.js")).resolve(module);
  } catch {
    throw new ProcessManagerError(
      `${context.name}: program_module ${JSON.stringify(module)} is neither a file in ${context.workingDir} nor a module resolvable from there; ` +
        `fix contexts.${context.name}.program_module (or working_dir)`,
    );
  }
}

/** The last lines of the output file, indented, for an error message. */
function tail(file: string, lines = 8): string {
  try {
    const text = readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines);
    return `; its last lines:\n${text.map((l) => `    ${l}`).join("\n")}`;
  } catch {
    return "";
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
