/**
 * Helpers for the process manager's tests: run `qmi proc ...` as a child process (bounded), write throwaway
 * configurations with free ports, and remember every pid seen so that `after` hooks can kill what was started.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./child-context.ts";

/** The `qmi` command's entry point. */
export const QMI = join(ROOT, "cli", "qmi.mjs");
/** The test program (see the fixture's doc). */
export const PROC_FIXTURE = join(ROOT, "test", "fixtures", "proc-program.ts");

/** What a finished `qmi` run printed. */
export interface QmiRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every pid printed by `qmi proc` or the server, to kill in `after`. */
export const seenPids = new Set<number>();

/** Runs `node qmi.mjs ...args` and waits (bounded) for it; records the pids it prints. */
export function runQmi(args: readonly string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<QmiRun> {
  const child = spawn(process.execPath, [QMI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`qmi ${args.join(" ")} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      rememberPids(stdout);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Records every `pid <n>` / `OK <n>` in `text`. */
export function rememberPids(text: string): void {
  for (const match of text.matchAll(/(?:pid|OK) (\d{2,})/g)) seenPids.add(Number(match[1]));
}

/** Kills the process group of `pid` (and the process itself), ignoring what is gone already. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** Kills everything {@link seenPids} holds. */
export function killSeen(): void {
  for (const pid of seenPids) killGroup(pid);
  seenPids.clear();
}

/** One context of a test configuration. */
export interface TestContext {
  readonly port: number;
  readonly host?: string;
  readonly enabled?: boolean;
  /** Default: the fixture program. `null`: no program_module. */
  readonly program?: string | null;
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env?: Record<string, string>;
}

/** Writes `<dir>/qmi.conf` with the contexts (output to `dir`) and returns its path. */
export function writeProcConfig(dir: string, contexts: Record<string, TestContext>, processManagement: Record<string, unknown> = {}): string {
  const config = {
    logging: { console_loglevel: "INFO" },
    discovery: { enabled: false },
    process_management: { output_dir: dir, ...processManagement },
    contexts: Object.fromEntries(
      Object.entries(contexts).map(([name, c]) => [
        name,
        {
          host: c.host ?? "127.0.0.1",
          tcp_server_port: c.port,
          ...(c.enabled === false ? { enabled: false } : { enabled: c.program !== null }),
          ...(c.program === null ? {} : { program_module: c.program ?? PROC_FIXTURE }),
          program_args: ["--name", name, ...(c.args ?? [])],
          ...(c.workingDir ? { working_dir: c.workingDir } : {}),
          ...(c.env ? { env: c.env } : {}),
        },
      ]),
    ),
  };
  const path = join(dir, "qmi.conf");
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** The output files of `context` in `dir`. */
export function outputFiles(dir: string, context: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${context}_`) && f.endsWith(".out"))
    .map((f) => join(dir, f));
}

/** Waits (bounded) until `file` contains `text`; resolves with the file's content. */
export async function waitForFileText(file: string, text: string, seconds = 20): Promise<string> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const content = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (content.includes(text)) return content;
    if (Date.now() > until) throw new Error(`${file} did not contain ${JSON.stringify(text)} within ${seconds} s; it has:\n${content}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
