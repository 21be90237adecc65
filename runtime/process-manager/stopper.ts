/**
 * The stopper: stops a context with escalation, reporting which step was needed.
 *
 * 1. `qmi.core.Context/Shutdown`: the program sees `context().shutdownRequested()` / `waitUntilShutdown()` and
 *    stops by itself; the stopper waits up to the grace period for it to be gone.
 * 2. `SIGTERM` to its process (its whole group when it leads one, as programs started by `qmi proc` do), then a
 *    bounded wait.
 * 3. `SIGKILL`, then a bounded wait; a process still alive after that is an error.
 *
 * For a context on another host, steps 2 and 3 are the `STOP <context> <pid>` request of the process-management
 * server reached over SSH (see `ssh-client.ts`), passed in as {@link StopOptions.escalate}.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { probeContext, requestContextShutdown } from "./context-probe.ts";
import type { ManagedContext } from "./managed-context.ts";
import { ProcessManagerError } from "./process-manager-error.ts";

/** Seconds a program gets to stop after a Shutdown request, by default. */
export const DEFAULT_GRACE_SECONDS = 10;
/** Seconds to wait after SIGTERM, and again after SIGKILL, by default. */
const DEFAULT_SIGNAL_WAIT_SECONDS = 5;

/** The step that stopped the context. */
type StopStep = "not-running" | "graceful" | "terminated" | "killed";

/** What {@link stopContext} did. */
export interface StopResult {
  readonly step: StopStep;
  /** The process id, when the context was running. */
  readonly pid?: number;
  /** Seconds it took. */
  readonly seconds: number;
}

/** Options of {@link stopContext}. */
export interface StopOptions {
  /** Seconds to wait after the Shutdown request; default {@link DEFAULT_GRACE_SECONDS}. */
  readonly graceSeconds?: number;
  /** Seconds to wait after each signal; default {@link DEFAULT_SIGNAL_WAIT_SECONDS}. */
  readonly signalWaitSeconds?: number;
  /** Called with a short status while waiting (for a progress line). */
  readonly onProgress?: (message: string) => void;
  /**
   * For a context on another host: whether it is gone (default: this machine's process `pid` is gone) and how to
   * escalate (default: {@link terminateProcess} on this machine).
   */
  readonly isGone?: (pid: number) => Promise<boolean>;
  readonly escalate?: (pid: number) => Promise<"terminated" | "killed" | "gone">;
}

/** Stops `context` (see the module doc); throws a {@link ProcessManagerError} when even SIGKILL did not stop it. */
export async function stopContext(context: ManagedContext, options: StopOptions = {}): Promise<StopResult> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const probe = await probeContext(context);
  if (probe.state === "offline") return { step: "not-running", seconds: seconds() };
  if (probe.state === "other") {
    throw new ProcessManagerError(
      `Cannot stop ${context.name}: context ${probe.info.name} (pid ${probe.info.pid}) answers on its port instead; check the configuration`,
    );
  }
  const pid = probe.info.pid;
  const isGone = options.isGone ?? (async (p: number) => !isProcessAlive(p));
  const grace = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  let asked = true;
  try {
    await requestContextShutdown(context, "qmi proc stop");
  } catch {
    asked = false; // it answered Ping but not Shutdown: escalate at once
  }
  if (asked) {
    const gone = await waitUntil(() => isGone(pid), grace, (elapsed) =>
      options.onProgress?.(`waiting for ${context.name} (pid ${pid}) to stop after the Shutdown request (${elapsed.toFixed(1)} of ${grace} s)`),
    );
    if (gone) return { step: "graceful", pid, seconds: seconds() };
  }
  options.onProgress?.(`${context.name} (pid ${pid}) did not stop within ${grace} s; terminating it`);
  const escalate = options.escalate ?? ((p: number) => terminateProcess(p, { waitSeconds: options.signalWaitSeconds }));
  const how = await escalate(pid);
  return { step: how === "gone" ? "graceful" : how, pid, seconds: seconds() };
}

/**
 * Sends SIGTERM to `pid` (to its process group when it leads one), waits, then SIGKILL and waits again. Resolves
 * with the step that ended it (`gone` when it had already exited); throws when it survives SIGKILL.
 */
export async function terminateProcess(pid: number, options: { waitSeconds?: number | undefined } = {}): Promise<"terminated" | "killed" | "gone"> {
  const wait = options.waitSeconds ?? DEFAULT_SIGNAL_WAIT_SECONDS;
  if (!isProcessAlive(pid)) return "gone";
  sendSignal(pid, "SIGTERM");
  if (await waitUntil(async () => !isProcessAlive(pid), wait)) return "terminated";
  sendSignal(pid, "SIGKILL");
  if (await waitUntil(async () => !isProcessAlive(pid), wait)) return "killed";
  throw new ProcessManagerError(`Process ${pid} is still alive ${wait} s after SIGKILL; check it with ps and your permissions`);
}

/**
 * True while process `pid` exists on this machine (a process of another user counts; a zombie, exited but not
 * yet reaped by its parent, does not).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    // Linux: the state follows the parenthesised command name in /proc/<pid>/stat; Z = zombie, X = dead
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return true; // no /proc (macOS) or no access: trust kill(0)
  }
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the group a detached launch created
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/** Polls `done` every 100 ms for up to `seconds`; resolves with whether it became true. */
async function waitUntil(done: () => Promise<boolean>, seconds: number, progress?: (elapsed: number) => void): Promise<boolean> {
  const start = Date.now();
  for (;;) {
    if (await done()) return true;
    const elapsed = (Date.now() - start) / 1000;
    if (elapsed >= seconds) return false;
    progress?.(elapsed);
    await new Promise((r) => setTimeout(r, 100));
  }
}
