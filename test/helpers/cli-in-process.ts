/**
 * `qmi call`, `qmi describe`, `qmi record`, `qmi data` and `qmi dashboard` run in the test's own process: the same code as the `qmi`
 * command after its entry point, with what it prints collected. Each run saves starting a process and its TypeScript
 * loader (1–2 s); the tests that check the command as a process (exit status, its own streams) use `runQmi`.
 */
import { runCall } from "../../cli/call-command.ts";
import { runDescribe } from "../../cli/describe-command.ts";
import { runData } from "../../cli/data-command.ts";
import { runRecord } from "../../cli/record-command.ts";
import { runDashboard } from "../../cli/dashboard-command.ts";
import type { CommandOutput } from "../../cli/command-output.ts";
import type { QmiRun } from "./proc-harness.ts";
import { within } from "./within.ts";

const COMMANDS = { call: runCall, describe: runDescribe, record: runRecord, data: runData, dashboard: runDashboard } as const;

/** Runs `qmi <args>` (`call`, `describe`, `record`, `data` or `dashboard`) in this process, bounded by `timeoutMs`. */
export async function qmiInProcess(args: readonly string[], timeoutMs = 60_000): Promise<QmiRun> {
  const [name, ...rest] = args;
  const command = COMMANDS[name as keyof typeof COMMANDS];
  if (!command) throw new Error(`qmiInProcess runs ${Object.keys(COMMANDS).join(", ")}, not ${name}`);
  let stdout = "";
  let stderr = "";
  const output: CommandOutput = { out: (text) => void (stdout += text), err: (text) => void (stderr += text) };
  const code = await within(command(rest, output), timeoutMs, `qmi ${args.join(" ")}`);
  return { code, stdout, stderr };
}
