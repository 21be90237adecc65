/**
 * `qmi gen` (codegen/main.ts's `runGen`) in the test's own process, with what it prints collected: the same code as
 * the command after its entry point, without starting a process and its TypeScript loader for every run (1–2 s
 * each). Tests that check the command as a process (its exit code as the shell sees it) still spawn it.
 */
import { runGen } from "../../../codegen/main.ts";
import { withinSeconds } from "../../helpers/within.ts";

/** What a run of `qmi gen` printed, and its exit status. */
export interface GenRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `qmi gen ...args` in this process (an explicit `--project` belongs in `args`), bounded to 60 s. */
export async function genInProcess(args: readonly string[]): Promise<GenRun> {
  let stdout = "";
  let stderr = "";
  const status = await withinSeconds(runGen(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) }), 60, `qmi gen ${args.join(" ")}`);
  return { status, stdout, stderr };
}
