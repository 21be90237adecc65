/**
 * Runs a TypeScript program (or any command) in a child process and waits (bounded) for a line of its output.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A running child program. */
export interface Child {
  readonly process: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first line of stdout matching `pattern`, or rejects after `seconds`. */
  waitForLine(pattern: RegExp, seconds?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code, or rejects after `seconds`. */
  waitForExit(seconds?: number): Promise<number | null>;
  /** Kills the child and the processes it started, if they still run. */
  kill(): void;
}

/** tsx's loader, by URL: `--import tsx` would look for it under the child's working directory. */
const TSX = import.meta.resolve("tsx");

/** Starts `node --import tsx <script> ...args` in `cwd` (default: the repository root). */
export function startChild(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Child {
  return watchProcess(process.execPath, ["--import", TSX, script, ...args], { ...process.env, ...env }, cwd);
}

/** Starts `command ...args` with exactly `env`, in `cwd`, and watches its output. */
export function watchProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  // Its own process group, so that kill() also ends what it started (a `tsx` binary runs the script in a child).
  const child = spawn(command, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
  let output = "";
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    output += line + "\n";
    lines.push(line);
    for (const waiter of [...waiters]) {
      const match = line.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const bounded = <T>(promise: Promise<T>, seconds: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out after ${seconds}s waiting for ${what}; output:\n${output}`)), seconds * 1000);
      promise.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      );
    });
  return {
    process: child,
    output: () => output,
    waitForLine(pattern, seconds = 20) {
      const seen = lines.map((l) => l.match(pattern)).find((m) => m);
      if (seen) return Promise.resolve(seen);
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        exited.then((code) => reject(new Error(`Child exited (${code}) before printing ${pattern}; output:\n${output}`)));
      });
      return bounded(found, seconds, `${pattern}`);
    },
    waitForExit(seconds = 20) {
      return bounded(exited, seconds, "exit");
    },
    kill() {
      try {
        process.kill(-child.pid!, "SIGKILL"); // the group: the child and anything it started
      } catch {
        // the group is gone already
      }
    },
  };
}
