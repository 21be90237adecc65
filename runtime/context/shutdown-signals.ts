/**
 * SIGINT and SIGTERM for the process-wide context (`start()` installs this, `stop()` removes it):
 *
 * - a program that handles the signal itself (it has its own listener) or awaits `waitUntilShutdown()` only
 *   sees `shutdownRequested()` become true, and stops when it decides to;
 * - otherwise the context is stopped in order (see {@link Context.stop}: no new calls, in-flight calls finish
 *   within a bound, tasks stopped and joined, instruments closed, logs flushed) and the process exits with
 *   128 + the signal number (130 for SIGINT, 143 for SIGTERM);
 * - a second signal while stopping exits at once, saying so;
 * - an uncaught exception or unhandled rejection (a crash) prints one message — which context crashed, and the
 *   error with its stack — and exits with code 1, unless the program has its own `uncaughtException` listener.
 *
 * @module
 */
import type { Context } from "./context.ts";

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

/** Installs the handlers for `context`, which `stop` stops; returns the function that removes them. */
export function handleShutdownSignals(context: Context, stop: () => Promise<void>): () => void {
  let stopping = false;
  const onSignal = (signal: keyof typeof SIGNALS) => {
    const code = 128 + SIGNALS[signal];
    const programHandles = process.listenerCount(signal) > 1 || context.shutdownAwaited;
    context.requestShutdown(signal);
    if (programHandles) return;
    if (stopping) {
      process.stderr.write(`qmi: ${signal} again while context ${context.name} was stopping; exiting at once\n`);
      process.exit(code);
    }
    stopping = true;
    stop().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`qmi: stopping context ${context.name} after ${signal} failed: ${(error as Error).message}\n`);
        process.exit(code);
      },
    );
  };
  const onCrash = (error: unknown, origin: string) => {
    if (process.listenerCount("uncaughtException") > 1) return;
    const what = origin === "unhandledRejection" ? "an unhandled promise rejection" : "an uncaught exception";
    const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    process.stderr.write(`qmi: context ${context.name} (pid ${process.pid}) crashed with ${what}: ${detail}\n`);
    process.exit(1);
  };
  for (const signal of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.on(signal, onSignal);
  process.on("uncaughtException", onCrash);
  return () => {
    for (const signal of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.off(signal, onSignal);
    process.off("uncaughtException", onCrash);
  };
}
