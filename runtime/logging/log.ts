/**
 * Leveled logging (winston) to the console (stderr) and optionally to a size-rotated file, one format for both:
 * `<UTC ISO time> | <LEVEL> | <pid> | <module> | <message>`.
 *
 * ```ts
 * const log = getLogger("qmi.core.context");
 * log.info("Context started");   // shown when the console level is INFO or DEBUG
 * ```
 *
 * The console shows warnings and errors by default; a context applies its configuration's `logging` section
 * when it starts ({@link applyLoggingConfig}): `console_loglevel`, `loglevel` and `logfile` (the file), and
 * `loglevels`, per-module levels that override both for a module and its `.`-children. Without a configured
 * console level, `QMI_LOGLEVEL` (e.g. `INFO`) sets it. File writes are synchronous, so nothing is lost on exit
 * or crash; the file is closed when the last context using it stops (or by {@link closeLogFile}).
 *
 * Concurrency: logging is synchronous and process-wide; the last context to start configures it.
 *
 * @module
 */
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import winston from "winston";
import type { QmiConfig } from "../config/config-schema.ts";
import { UsageError } from "../protocol/errors.ts";
import { LogFileTransport, type LogFileOptions } from "./log-file-transport.ts";

/** Log levels, lowest first. */
type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** Lower is more severe (winston's convention). */
const severity: Record<LogLevel, number> = { ERROR: 0, WARNING: 1, INFO: 2, DEBUG: 3 };

/** Parses a level name, any case; `WARN` and `CRITICAL` are accepted as in Python. Undefined if unknown. */
function parseLogLevel(name: string | undefined): LogLevel | undefined {
  const upper = name?.toUpperCase();
  if (upper === "WARN") return "WARNING";
  if (upper === "CRITICAL") return "ERROR";
  return upper !== undefined && upper in severity ? (upper as LogLevel) : undefined;
}

/** Logging settings; see {@link applyLoggingConfig} for how they come from the configuration. */
interface LoggingOptions {
  /** Lowest level on the console. */
  readonly consoleLevel: LogLevel;
  /** Lowest level in the file. */
  readonly fileLevel: LogLevel;
  /** Per-module levels, overriding both the console and the file level. */
  readonly moduleLevels: Readonly<Record<string, LogLevel>>;
  /** The log file, or undefined for none. */
  readonly file?: LogFileOptions | undefined;
}

const defaults = (): LoggingOptions => ({
  consoleLevel: parseLogLevel(process.env.QMI_LOGLEVEL) ?? "WARNING",
  fileLevel: "INFO",
  moduleLevels: {},
});

let options: LoggingOptions = defaults();
let generation = 0;
let fileTransport: LogFileTransport | undefined;

/** The level a module logs at on a sink whose own level is `sinkLevel`: the longest matching `moduleLevels` entry. */
function levelFor(module: string, sinkLevel: LogLevel): LogLevel {
  let best: string | undefined;
  for (const prefix of Object.keys(options.moduleLevels)) {
    if ((module === prefix || module.startsWith(prefix + ".")) && (best === undefined || prefix.length > best.length)) {
      best = prefix;
    }
  }
  return best === undefined ? sinkLevel : options.moduleLevels[best]!;
}

/** A winston format that keeps lines at or above the module's level for one sink. */
const sinkFilter = winston.format((info, opts: unknown) => {
  const sinkLevel = (opts as { sink?: string }).sink === "console" ? options.consoleLevel : options.fileLevel;
  const threshold = levelFor(String(info.module), sinkLevel);
  return severity[info.level as LogLevel] <= severity[threshold] ? info : false;
});

const lineFormat = winston.format.printf(
  (info) => `${String(info.timestamp)} | ${info.level.padEnd(7)} | ${process.pid} | ${String(info.module)} | ${String(info.message)}`,
);
const timestamp = winston.format.timestamp({ format: () => new Date().toISOString() });

const logger = winston.createLogger({
  levels: severity,
  level: "DEBUG",
  exitOnError: false,
  transports: [
    new winston.transports.Console({
      stderrLevels: Object.keys(severity),
      format: winston.format.combine(sinkFilter({ sink: "console" }), timestamp, lineFormat),
    }),
  ],
});

/** Replaces the logging settings (and opens or closes the log file accordingly). */
export function configureLogging(next: LoggingOptions): void {
  const sameFile = fileTransport !== undefined && next.file !== undefined && sameFileOptions(fileTransport.options, next.file);
  if (!sameFile) {
    closeLogFile();
    if (next.file) {
      fileTransport = new LogFileTransport(next.file);
      fileTransport.format = winston.format.combine(sinkFilter({ sink: "file" }), timestamp, lineFormat);
      logger.add(fileTransport);
    }
  }
  options = next;
  generation++;
}

function sameFileOptions(a: LogFileOptions, b: LogFileOptions): boolean {
  return a.path === b.path && a.maxBytes === b.maxBytes && a.backupCount === b.backupCount &&
    a.rateLimit === b.rateLimit && a.burstLimit === b.burstLimit;
}

/**
 * Applies the `logging` section of a configuration and returns a function that releases the log file (closed
 * when the last context using it releases it) (defaults: console `WARNING` or `QMI_LOGLEVEL`, file `INFO`,
 * no file, 10 MiB per file, 5 backups). A relative `logfile` is under `log_dir`, else `qmi_home`, else
 * `$QMI_HOME`, else the home directory; relative directories are taken from the configuration file's folder.
 * Throws a {@link UsageError} naming `logging.logfile` when the log file, or one of its rotated files, is the
 * configuration file itself.
 */
export function applyLoggingConfig(config: QmiConfig, configPath?: string): () => void {
  const logging = config.logging ?? {};
  const base = configPath ? dirname(configPath) : process.cwd();
  const moduleLevels: Record<string, LogLevel> = {};
  for (const [module, level] of Object.entries(logging.loglevels ?? {})) {
    const parsed = parseLogLevel(level);
    if (parsed) moduleLevels[module] = parsed;
  }
  let file: LogFileOptions | undefined;
  if (logging.logfile !== undefined) {
    const home = config.qmi_home ?? process.env.QMI_HOME ?? homedir();
    const dir = resolve(base, config.log_dir ?? home);
    file = {
      path: isAbsolute(logging.logfile) ? logging.logfile : resolve(dir, logging.logfile),
      maxBytes: logging.max_bytes ?? 10 * 2 ** 20,
      backupCount: logging.backup_count ?? 5,
      rateLimit: logging.rate_limit ?? undefined,
      burstLimit: logging.burst_limit ?? 1,
    };
    if (configPath !== undefined) refuseConfigAsLogFile(file, logging.logfile, configPath);
  }
  configureLogging({
    consoleLevel: parseLogLevel(logging.console_loglevel) ?? defaults().consoleLevel,
    fileLevel: parseLogLevel(logging.loglevel) ?? "INFO",
    moduleLevels,
    file,
  });
  const transport = fileTransport;
  if (transport) fileUsers.set(transport, (fileUsers.get(transport) ?? 0) + 1);
  let released = false;
  return () => {
    if (released || !transport) return;
    released = true;
    const users = (fileUsers.get(transport) ?? 1) - 1;
    fileUsers.set(transport, users);
    if (users <= 0 && fileTransport === transport) closeLogFile();
  };
}

/**
 * Log lines appended to the configuration file would break it for the next start, and rotation would rename or
 * delete it: refuse a log file that is the configuration file, through symlinks and hard links too.
 */
function refuseConfigAsLogFile(file: LogFileOptions, written: string, configPath: string): void {
  const rotated = Array.from({ length: file.backupCount }, (_, i) => `${file.path}.${i + 1}`);
  const clash = [file.path, ...rotated].find((candidate) => sameFile(candidate, configPath));
  if (clash === undefined) return;
  const why =
    clash === file.path ? `(${clash})` : `(its rotated file ${clash} is the configuration file, which rotation would rename or delete)`;
  throw new UsageError(
    `Invalid configuration file ${configPath}: logging.logfile: expected a log file other than the configuration ` +
      `file itself, found ${JSON.stringify(written)} ${why}; name another file, e.g. "qmi.log"`,
  );
}

/** True when both paths exist and are the same file (same device and inode, or the same real path). */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a, { bigint: true }), statSync(b, { bigint: true })];
    return (x.ino !== 0n && x.ino === y.ino && x.dev === y.dev) || realpathSync(a) === realpathSync(b);
  } catch {
    return false; // a log file that does not exist yet is no existing configuration file
  }
}

/** How many started contexts use each log file; the last one to stop closes it. */
const fileUsers = new WeakMap<LogFileTransport, number>();

/** The current log file, if any. */
export function logFilePath(): string | undefined {
  return fileTransport?.options.path;
}

/** Closes the log file, if one is open; everything logged before is in it (writes are synchronous). */
export function closeLogFile(): void {
  if (!fileTransport) return;
  logger.remove(fileTransport);
  fileTransport.close();
  fileTransport = undefined;
  generation++;
}

/** A logger for one module. */
interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** A logger whose lines name `module`, e.g. `qmi.core.context`. Disabled levels cost one comparison. */
export function getLogger(module: string): Logger {
  let seen = -1;
  let lowest: LogLevel = "WARNING";
  const write = (level: LogLevel, message: string) => {
    if (seen !== generation) {
      const console = levelFor(module, options.consoleLevel);
      const file = fileTransport ? levelFor(module, options.fileLevel) : "ERROR";
      lowest = severity[console] >= severity[file] ? console : file;
      seen = generation;
    }
    if (severity[level] > severity[lowest]) return;
    logger.log({ level, message, module });
  };
  return {
    debug: (m) => write("DEBUG", m),
    info: (m) => write("INFO", m),
    warning: (m) => write("WARNING", m),
    error: (m) => write("ERROR", m),
  };
}

process.on("exit", closeLogFile);
