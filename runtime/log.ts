/**
 * Minimal leveled logging to stderr: `<UTC time> | <LEVEL> | <pid> | <module> | <message>`.
 *
 * The console shows warnings and errors by default; `QMI_LOGLEVEL=INFO` (or `DEBUG`) shows more.
 *
 * @module
 */

/** Log levels, lowest first. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

const order: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

function initialLevel(): LogLevel {
  const fromEnv = process.env.QMI_LOGLEVEL?.toUpperCase();
  return fromEnv && fromEnv in order ? (fromEnv as LogLevel) : "WARNING";
}

let consoleLevel: LogLevel = initialLevel();

/** Sets the lowest level printed on the console. */
export function setConsoleLogLevel(level: LogLevel): void {
  consoleLevel = level;
}

/** A logger for one module. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** A logger whose lines name `module`, e.g. `qmi.core.context`. */
export function getLogger(module: string): Logger {
  const write = (level: LogLevel, message: string) => {
    if (order[level] < order[consoleLevel]) return;
    const line = `${new Date().toISOString()} | ${level.padEnd(7)} | ${process.pid} | ${module} | ${message}\n`;
    process.stderr.write(line);
  };
  return {
    debug: (m) => write("DEBUG", m),
    info: (m) => write("INFO", m),
    warning: (m) => write("WARNING", m),
    error: (m) => write("ERROR", m),
  };
}
