/**
 * A benchmark's child process whose stdout lines can be waited for, and which is stopped within a bound: used by
 * the runner's server, benchmark 13 (`dashboard-load.ts`), and benchmark 11 on the built package
 * (`built-package.ts`) and for its Python QMI peer (`qmi-peer.ts`).
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A child process whose stdout lines can be waited for. */
export interface Watched {
  readonly process: ChildProcess;
  waitFor(pattern: RegExp, seconds: number): Promise<RegExpMatchArray>;
  /** Asks it to stop (`quit` on stdin, SIGTERM), then kills it after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL, if it still runs. */
  kill(): void;
}

/** Watches `child` (spawned with piped stdin and stdout; stderr is kept too when piped); `name` names it in errors, with its last output. */
export function watch(child: ChildProcess, name: string): Watched {
  let output = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    output = (output + line + "\n").slice(-4000);
    for (const waiter of [...waiters]) {
      const match = line.match(waiter.pattern);
      if (!match) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(match);
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    waitFor: (pattern, seconds) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const fail = (why: string) => () => reject(new Error(`${name}: ${why} waiting for ${pattern}; its output:\n${output}`));
        const timer = setTimeout(fail(`nothing within ${seconds} s`), seconds * 1000);
        void exited.then(() => (clearTimeout(timer), fail("exited")()));
        waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      }),
    async stop() {
      if (!running()) return;
      child.stdin!.end("quit\n");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (running()) child.kill("SIGKILL");
    },
  };
}
