/**
 * A progress line for people: on a terminal, one line with a spinner that is rewritten while waiting and
 * replaced by the result; elsewhere (a pipe, a log file) only the results are printed.
 *
 * @module
 */
import type { Writable } from "node:stream";

const FRAMES = ["|", "/", "-", "\\"];

/** One rewritable status line on `stream`. */
export class ProgressLine {
  #frame = 0;
  #shown = false;
  readonly #interactive: boolean;

  /** `interactive` overrides the default: a TTY whose `TERM` is not `dumb`. */
  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    options: { readonly interactive?: boolean } = {},
  ) {
    this.#interactive = options.interactive ?? (stream.isTTY === true && process.env.TERM !== "dumb");
  }

  /** Shows `message` with the next spinner frame (terminals only). */
  update(message: string): void {
    if (!this.#interactive) return;
    const width = (this.stream as { columns?: number }).columns ?? 100;
    const text = `${FRAMES[this.#frame++ % FRAMES.length]} ${message}`.slice(0, Math.max(20, width - 1));
    this.stream.write(`\r\x1b[K${text}`);
    this.#shown = true;
  }

  /** Replaces the progress line with the final `line` (printed everywhere). */
  done(line: string): void {
    if (this.#shown) this.stream.write("\r\x1b[K");
    this.#shown = false;
    this.stream.write(line + "\n");
  }
}
