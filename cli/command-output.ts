/**
 * Where a command prints: standard output and standard error of the process, or whatever a caller that runs
 * the command in its own process (a test, a script) hands in to collect the text.
 *
 * @module
 */

/** The two streams a command writes to. */
export interface CommandOutput {
  /** Writes `text` to standard output. */
  out(text: string): void;
  /** Writes `text` to standard error. */
  err(text: string): void;
}

/** The process's own standard output and standard error. */
export const PROCESS_OUTPUT: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
