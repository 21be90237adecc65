/**
 * A winston transport that appends to a log file with synchronous writes, rotates it by size and limits the
 * rate of lines, so that a log can neither grow without bound (QMI's once did) nor lose its last lines when the
 * process exits abruptly (writes are never buffered in the process).
 *
 * Rotation works like Python's `RotatingFileHandler`: when a line would take the file past `maxBytes`, the file
 * becomes `<file>.1`, `<file>.1` becomes `<file>.2` and so on; `<file>.<backupCount>` is deleted. With
 * `backupCount` 0 the file is emptied instead.
 *
 * @module
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import Transport from "winston-transport";

/** Options of {@link LogFileTransport}. */
export interface LogFileOptions {
  /** The log file; its directory is created if needed. */
  readonly path: string;
  /** Size in bytes at which the file is rotated. */
  readonly maxBytes: number;
  /** Rotated files kept. */
  readonly backupCount: number;
  /** Most lines per second on average; undefined for no limit. */
  readonly rateLimit?: number | undefined;
  /** Lines allowed in a burst above the rate limit. */
  readonly burstLimit?: number | undefined;
}

const MESSAGE = Symbol.for("message");

/** Appends formatted lines to a size-rotated file. */
export class LogFileTransport extends Transport {
  readonly options: LogFileOptions;
  #fd: number | undefined;
  #size = 0;
  #tokens: number;
  #lastRefill = Date.now();
  #dropped = 0;

  constructor(options: LogFileOptions) {
    super({ level: "DEBUG" });
    this.options = options;
    this.#tokens = options.burstLimit ?? 1;
    mkdirSync(dirname(options.path), { recursive: true });
    this.#open();
  }

  /** Writes one line (winston's entry point). */
  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const line = String(info[MESSAGE] ?? info.message);
    if (this.#admit()) {
      if (this.#dropped > 0) {
        this.#write(`${line.slice(0, 24)} | WARNING | ${process.pid} | qmi.core.logging | ${this.#dropped} lines dropped by logging.rate_limit\n`);
        this.#dropped = 0;
      }
      this.#write(line + "\n");
    } else {
      this.#dropped++;
    }
    callback();
  }

  /** Closes the file; later lines are ignored. */
  override close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): void {
    this.#fd = openSync(this.options.path, "a");
    this.#size = fstatSync(this.#fd).size;
  }

  /** Token bucket: `rateLimit` tokens per second, at most `burstLimit` saved up. */
  #admit(): boolean {
    const { rateLimit, burstLimit = 1 } = this.options;
    if (rateLimit === undefined) return true;
    const now = Date.now();
    this.#tokens = Math.min(burstLimit, this.#tokens + ((now - this.#lastRefill) / 1000) * rateLimit);
    this.#lastRefill = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #write(text: string): void {
    if (this.#fd === undefined) return;
    const bytes = Buffer.from(text, "utf8");
    if (this.#size > 0 && this.#size + bytes.length > this.options.maxBytes) this.#rotate();
    writeSync(this.#fd, bytes);
    this.#size += bytes.length;
  }

  #rotate(): void {
    this.close();
    const { path, backupCount } = this.options;
    if (backupCount === 0) {
      rmSync(path, { force: true });
    } else {
      rmSync(`${path}.${backupCount}`, { force: true });
      for (let i = backupCount - 1; i >= 1; i--) {
        if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      }
      renameSync(path, `${path}.1`);
    }
    this.#open();
  }
}
