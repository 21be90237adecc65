/**
 * The SSH client side: runs the process-management server (`server_command`, default `qmi proc server`) on
 * another host over `ssh` and speaks its line protocol (see `proc-server.ts`).
 *
 * Settings come from `process_management.hosts.<host>`: `ssh_host` (default the host address), `ssh_user`,
 * `ssh_port`, `ssh_options` (extra `ssh` arguments, e.g. `["-i", "~/.ssh/lab_key"]`) and `server_command`. `ssh`
 * runs in batch mode: keys or an agent, never a password prompt.
 *
 * ```ts
 * const server = openSshProcServer("192.168.1.20", config.process_management?.hosts?.["192.168.1.20"] ?? {});
 * try { console.log(await server.start("proc_demo")); } finally { await server.close(); }
 * ```
 *
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import type { ProcessHostConfig } from "../config/config-schema.ts";
import { ProcessManagerError } from "./process-manager-error.ts";

/** The server command run on a remote host when `server_command` is not configured. */
const DEFAULT_SERVER_COMMAND = "qmi proc server";

/** Seconds to wait for one answer of the remote server, by default (a START waits for the program to answer). */
const DEFAULT_REQUEST_TIMEOUT = 60;

/** The `ssh` argument list (without `ssh` itself) that runs the server of `host`. */
function sshArguments(host: string, settings: ProcessHostConfig): string[] {
  const args = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"];
  if (settings.ssh_port !== undefined) args.push("-p", String(settings.ssh_port));
  if (settings.ssh_user !== undefined) args.push("-l", settings.ssh_user);
  args.push(...(settings.ssh_options ?? []));
  args.push(settings.ssh_host ?? host, settings.server_command ?? DEFAULT_SERVER_COMMAND);
  return args;
}

/** A process-management server running on another host, reached over SSH. */
interface SshProcServer {
  /** Sends one request line; resolves with the answer line. */
  request(line: string, timeoutSeconds?: number): Promise<string>;
  /** `START <context>`: resolves with the pid; throws the server's `ERR` message. */
  start(context: string, timeoutSeconds?: number): Promise<number>;
  /** `STOP <context> <pid>`: resolves with whether it was running; throws the server's `ERR` message. */
  stop(context: string, pid: number, timeoutSeconds?: number): Promise<boolean>;
  /** Ends the session (closes the server's stdin) and waits for `ssh` to exit, killing it if it lingers. */
  close(): Promise<void>;
}

/** Starts `ssh ... <server_command>` for `host`. */
export function openSshProcServer(host: string, settings: ProcessHostConfig, sshCommand = "ssh"): SshProcServer {
  const args = sshArguments(host, settings);
  const where = `${settings.ssh_user ? settings.ssh_user + "@" : ""}${settings.ssh_host ?? host}${settings.ssh_port ? ":" + settings.ssh_port : ""}`;
  const child: ChildProcessWithoutNullStreams = spawn(sshCommand, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const answers: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  let failure: string | undefined;
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else answers.push(line);
  });
  const exited = new Promise<void>((resolve) => {
    const finish = () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter(undefined);
      resolve();
    };
    child.once("error", (error) => ((failure = `could not run ${sshCommand}: ${error.message}`), finish()));
    child.once("close", (code, signal) => ((failure ??= `ssh exited (${signal ?? `code ${code}`})`), finish()));
  });
  child.stdin.on("error", () => undefined); // a dead ssh surfaces through "close"

  const explain = () => {
    const detail = stderr.trim().split("\n").slice(-5).join(" | ");
    return (
      `The process-management server on ${where} did not answer: ${failure ?? "no answer"}${detail ? ` (${detail})` : ""}. ` +
      `Check process_management.hosts.${host} (ssh_host, ssh_user, ssh_port, ssh_options) and that its server_command ` +
      `(${JSON.stringify(settings.server_command ?? DEFAULT_SERVER_COMMAND)}) runs there: ssh ${args.map(quote).join(" ")}`
    );
  };

  const server: SshProcServer = {
    async request(line, timeoutSeconds = DEFAULT_REQUEST_TIMEOUT) {
      if (ended) throw new ProcessManagerError(explain());
      child.stdin.write(line + "\n");
      const ready = answers.shift();
      if (ready !== undefined) return ready;
      let timer: NodeJS.Timeout | undefined;
      const answer = await new Promise<string | undefined>((resolve) => {
        const waiter = (l: string | undefined) => (clearTimeout(timer), resolve(l));
        waiting.push(waiter);
        timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          failure ??= `no answer to ${JSON.stringify(line)} within ${timeoutSeconds} s`;
          resolve(undefined);
        }, timeoutSeconds * 1000);
      });
      if (answer === undefined) throw new ProcessManagerError(explain());
      return answer;
    },
    async start(context, timeoutSeconds) {
      const answer = await server.request(`START ${context}`, timeoutSeconds);
      const ok = /^OK (\d+)$/.exec(answer);
      if (ok) return Number(ok[1]);
      throw new ProcessManagerError(`${where}: ${answer.replace(/^ERR /, "")}`);
    },
    async stop(context, pid, timeoutSeconds) {
      const answer = await server.request(`STOP ${context} ${pid}`, timeoutSeconds);
      const ok = /^OK ([01])$/.exec(answer);
      if (ok) return ok[1] === "1";
      throw new ProcessManagerError(`${where}: ${answer.replace(/^ERR /, "")}`);
    },
    async close() {
      if (!ended) child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      lines.close();
    },
  };
  return server;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
