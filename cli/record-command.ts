/**
 * `qmi record <context>.<object>.<signal> ... --out <file.h5>`: records signals of running contexts to an HDF5
 * file, one data set per signal, until Ctrl-C, SIGTERM or `--duration` (see `runtime/recording/recorder.ts`).
 *
 * ```sh
 * npx qmi record instr_server.nsg.sampleTaken --out run.h5 --duration 60
 * npx qmi record instr_server.nsg.sampleTaken --out run.h5 --address instr_server=127.0.0.1:40001
 * ```
 *
 * The command joins the lab as a context of its own (`--name`, default `qmi_record`, configured by `--config`,
 * else `$QMI_CONFIG`, else `~/qmi.conf`) and connects to each context the signals name, found as `qmi call` finds a
 * context: `--address <context>=<host:port>`, else the configuration's `contexts.<name>`, else discovery. The
 * signals' columns come from the publishers' generated code: qmi-ts's own drivers are known, and `--import` loads a
 * lab project's (its `generated/index.ts`).
 *
 * While recording it prints a progress line once a second (rewritten in place on a terminal); the first SIGINT or
 * SIGTERM stops cleanly (the buffered signals are written, the file closed, a summary printed, exit status 0), and
 * a second one ends the process at once, leaving the file as it was at the last flush (at most a second old).
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { Context } from "../runtime/context/context.ts";
import { InvalidArgumentError, QmiError, UnknownNameError } from "../runtime/protocol/errors.ts";
import { record, type Recorder, type RecordingCounters } from "../runtime/recording/recorder.ts";
import { resolveContextAddress } from "./context-address.ts";
import { PROCESS_OUTPUT, type CommandOutput } from "./command-output.ts";
import { importModules } from "./import-modules.ts";

const HELP = `Usage: qmi record <context>.<object>.<signal> ... --out <file.h5> [options]

Record signals of running contexts to a new HDF5 file, one data set per signal
(named after it): a time column and one column per field of the signal. A
progress line shows the signals recorded, their rate, those dropped and the
file's size. Ctrl-C (or SIGTERM) stops: what is buffered is written, the file
closed and a summary printed; a second Ctrl-C ends at once, and the file holds
what was flushed (once a second).

Options:
  -o, --out <file>           the HDF5 file to create (required)
  -d, --duration <seconds>   stop after this long; default: until Ctrl-C
      --overwrite            replace an existing file
      --address <ctx=host:port>
                             where context ctx serves (repeatable; a bare
                             host:port when the signals name one context);
                             default from the configuration, else discovery
      --width <ctx.obj.signal.field=n>
                             the number of elements of a typed-array field (a
                             trace) in every signal (repeatable; required for
                             such a field); a signal whose array has another
                             length is dropped and counted
      --name <context>       the recording context's name; default qmi_record
      --import <file>        a module to load first (repeatable), e.g. a lab
                             project's generated/index.ts, so that its drivers'
                             signals can be recorded (qmi-ts's own are known)
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help

Exit status: 0 when stopped and the file closed, 1 when connecting or writing
failed (the error is printed), 2 on bad usage or a signal that does not exist
or cannot be recorded (nothing is written then).
`;

const SIGNAL = /^[^./]+\.[^./]+\.[^./]+$/;
const DEFAULT_NAME = "qmi_record";

/** How {@link runRecord} runs, besides its arguments. */
export interface RecordCommandOptions {
  /** Rewrite the progress line in place; default: when standard output is a terminal. */
  readonly interactive?: boolean;
}

/** A refusal of the command line: exit status 2, with the help when the command line is not understood. */
class CommandLineError extends Error {
  constructor(
    message: string,
    readonly withHelp = false,
  ) {
    super(message);
  }
}

interface Plan {
  readonly signals: readonly string[];
  readonly out: string;
  readonly duration: number | undefined;
  readonly overwrite: boolean;
  readonly addresses: ReadonlyMap<string, string>;
  /** Widths of typed-array fields, by signal and field, as `record()` takes them. */
  readonly widths: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly name: string;
  readonly imports: readonly string[];
  readonly config: string | undefined;
}

/** Runs `qmi record` with `argv`, printing to `output`; resolves with the exit code. */
export async function runRecord(argv: readonly string[], output: CommandOutput = PROCESS_OUTPUT, options: RecordCommandOptions = {}): Promise<number> {
  let plan: Plan;
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        duration: { type: "string", short: "d" },
        overwrite: { type: "boolean" },
        address: { type: "string", multiple: true },
        width: { type: "string", multiple: true },
        name: { type: "string" },
        import: { type: "string", multiple: true },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (parsed.values.help) {
      output.out(HELP);
      return 0;
    }
    plan = checkCommandLine(parsed.values, parsed.positionals);
  } catch (error) {
    const withHelp = !(error instanceof CommandLineError) || error.withHelp;
    output.err(`qmi record: ${(error as Error).message}\n${withHelp ? `\n${HELP}` : ""}`);
    return 2;
  }
  const interactive = options.interactive ?? (output === PROCESS_OUTPUT && process.stdout.isTTY === true && process.env.TERM !== "dumb");
  let context: Context | undefined;
  try {
    // h5wasm is loaded before tsx, which would rewrite its 4 MB module as it loads (seconds instead of a fraction of one).
    await importModules(plan.imports, () => import("h5wasm/node"));
    await import("qmi-ts/generated/index");
    context = await Context.start(plan.name, { config: plan.config });
    for (const peer of new Set(plan.signals.map((signal) => signal.split(".")[0]!))) {
      if (peer === context.name) continue;
      const address = await resolveContextAddress(peer, plan.addresses.get(peer), context.config);
      await context.connectToPeer(peer, { address });
    }
    let failed: (() => void) | undefined;
    const recorder = await record({ context, signals: plan.signals, file: plan.out, overwrite: plan.overwrite, widths: plan.widths, onError: () => failed?.() }).catch((error: unknown) =>
      Promise.reject(error instanceof UnknownNameError || error instanceof InvalidArgumentError ? new CommandLineError(error.message) : error),
    );
    const what = plan.signals.length === 1 ? "1 signal" : `${plan.signals.length} signals`;
    const until = plan.duration === undefined ? "until Ctrl-C" : `for ${plan.duration} s (Ctrl-C stops earlier)`;
    output.out(`Recording ${what} to ${plan.out} ${until}\n`);
    const reason = await watch(recorder, plan, output, interactive, (fail) => (failed = fail));
    return await finish(recorder, reason, output);
  } catch (error) {
    if (error instanceof CommandLineError) {
      output.err(`qmi record: ${error.message}\n`);
      return 2;
    }
    const qmiError = QmiError.from(error);
    output.err(`qmi record: ${qmiError.name}: ${qmiError.message}\n`);
    return 1;
  } finally {
    await context?.stop();
  }
}

function checkCommandLine(
  values: { out?: string; duration?: string; overwrite?: boolean; address?: string[]; width?: string[]; name?: string; import?: string[]; config?: string },
  signals: readonly string[],
): Plan {
  if (signals.length === 0) throw new CommandLineError("name at least one signal, as <context>.<object>.<signal>", true);
  const malformed = signals.find((signal) => !SIGNAL.test(signal));
  if (malformed !== undefined) throw new CommandLineError(`${JSON.stringify(malformed)} is not a signal; write <context>.<object>.<signal>, e.g. instr_server.nsg.sampleTaken`);
  const repeated = signals.find((signal, i) => signals.indexOf(signal) !== i);
  if (repeated !== undefined) throw new CommandLineError(`${repeated} is named twice; name each signal once`);
  if (!values.out) throw new CommandLineError("--out <file.h5> is required: the HDF5 file to create", true);
  if (existsSync(values.out) && !values.overwrite) throw new CommandLineError(`${values.out} exists; pass --overwrite to replace it, or name another file`);
  let duration: number | undefined;
  if (values.duration !== undefined) {
    duration = Number(values.duration);
    if (!(Number.isFinite(duration) && duration > 0)) throw new CommandLineError(`--duration must be a positive number of seconds, found ${JSON.stringify(values.duration)}`);
  }
  const contexts = [...new Set(signals.map((signal) => signal.split(".")[0]!))];
  const addresses = new Map<string, string>();
  for (const entry of values.address ?? []) {
    const match = /^(?:([^=]+)=)?([^=\s]+:\d+)$/.exec(entry);
    const peer = match?.[1] ?? (contexts.length === 1 ? contexts[0] : undefined);
    if (!match || peer === undefined) {
      throw new CommandLineError(`--address ${JSON.stringify(entry)}: write <context>=<host:port>${contexts.length === 1 ? " or <host:port>" : ", e.g. " + contexts[0] + "=127.0.0.1:40001"}`);
    }
    if (!contexts.includes(peer)) throw new CommandLineError(`--address names context ${peer}, which no signal names (contexts: ${contexts.join(", ")})`);
    addresses.set(peer, match[2]!);
  }
  const widths: Record<string, Record<string, number>> = {};
  for (const entry of values.width ?? []) {
    const match = /^([^./=]+\.[^./=]+\.[^./=]+)\.([^=]+)=(\d+)$/.exec(entry);
    if (!match) throw new CommandLineError(`--width ${JSON.stringify(entry)}: write <context>.<object>.<signal>.<field>=<elements>, e.g. ${signals[0]}.samples=1000`);
    const [, signal, field, count] = match as unknown as [string, string, string, string];
    if (!signals.includes(signal)) throw new CommandLineError(`--width names signal ${signal}, which is not recorded (signals: ${signals.join(", ")})`);
    (widths[signal] ??= {})[field] = Number(count);
  }
  const name = values.name ?? DEFAULT_NAME;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new CommandLineError(`--name ${JSON.stringify(name)}: a context name has letters, digits, '_' and '-'`);
  const missing = (values.import ?? []).find((file) => !existsSync(file));
  if (missing !== undefined) throw new CommandLineError(`--import ${missing}: no such file`);
  return { signals, out: values.out, duration, overwrite: values.overwrite ?? false, addresses, widths, name, imports: values.import ?? [], config: values.config };
}

/** Prints the progress once a second until a signal, the duration or a failed write ends the recording; resolves with why it ended. */
function watch(recorder: Recorder, plan: Plan, output: CommandOutput, interactive: boolean, onFailure: (fail: () => void) => void): Promise<string> {
  return new Promise((done) => {
    const started = performance.now();
    let last = { at: started, arrived: 0 };
    const progress = setInterval(() => {
      const now = performance.now();
      const counters = recorder.counters();
      const arrived = arrivedOf(counters);
      const rate = ((arrived - last.arrived) * 1000) / Math.max(1, now - last.at);
      last = { at: now, arrived };
      const line = `${((now - started) / 1000).toFixed(0)} s: ${counters.recorded} recorded (${rate.toFixed(0)}/s), ${counters.dropped} dropped, ${formatBytes(fileSize(plan.out))}`;
      if (!interactive) output.out(line + "\n");
      else output.out(`\r\x1b[K${line.slice(0, Math.max(20, (process.stdout.columns || 100) - 1))}`);
    }, 1000);
    const timer = plan.duration === undefined ? undefined : setTimeout(() => end(`after ${plan.duration} s`), plan.duration * 1000);
    const onSignal = (signal: NodeJS.Signals) => end(`by ${signal}`);
    // Once the first signal is handled the handlers go, so that a second Ctrl-C ends the process as usual.
    function end(reason: string): void {
      clearInterval(progress);
      clearTimeout(timer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (interactive) output.out("\r\x1b[K");
      done(reason);
    }
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    onFailure(() => end("by a failed write"));
  });
}

/** Stops the recording and prints the summary (or the error); resolves with the exit code. */
async function finish(recorder: Recorder, reason: string, output: CommandOutput): Promise<number> {
  let summary;
  try {
    summary = await recorder.stop();
  } catch (error) {
    const counters = recorder.counters();
    const qmiError = QmiError.from(error);
    output.err(`qmi record: ${qmiError.name}: ${qmiError.message}\n`);
    output.err(`qmi record: recording ended; ${recorder.file} holds what was flushed before the failure (${counters.recorded} signals were written)\n`);
    return 1;
  }
  const seconds = (summary.stopTime - summary.startTime).toFixed(1);
  const lines = [`Stopped ${reason}: ${summary.recorded} signals recorded in ${seconds} s, ${summary.dropped} dropped, ${formatBytes(fileSize(summary.file))} in ${summary.file}`];
  const width = Math.max(...summary.signals.map((s) => s.signal.length));
  for (const s of summary.signals) lines.push(`  ${s.signal.padEnd(width)}  ${s.recorded} recorded, ${s.dropped} dropped`);
  output.out(lines.join("\n") + "\n");
  return 0;
}

function arrivedOf(counters: RecordingCounters): number {
  return counters.signals.reduce((sum, s) => sum + s.recorded + s.buffered + s.dropped, 0);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, "kB"] : bytes < 1e9 ? [bytes / 1e6, "MB"] : [bytes / 1e9, "GB"];
  return `${value.toFixed(1)} ${unit}`;
}

