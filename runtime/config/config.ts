/**
 * The configuration file: JSON5 (comments and trailing commas allowed), QMI's keys.
 *
 * Where it comes from, first match wins: `start(name, { config })` (a path, an object, or `null` for none), the
 * `QMI_CONFIG` environment variable, `~/qmi.conf` if it exists. QMI's `#` comments are accepted too. The keys
 * and their schema are in `config-schema.ts`; any problem (syntax, unknown key, wrong type, missing value) is a
 * {@link UsageError} naming the file, the key path, what was expected and what was found:
 *
 * ```text
 * Invalid configuration file /home/me/qmi.conf: contexts.instr_server.tcp_server_port: expected an integer port
 * number in [0, 65535], found "forty"
 * ```
 *
 * A key written twice in one object is refused too, with its line and column: JSON5 keeps the last one and
 * drops the first without a word, so a second `security` block would start a context without its token. A file
 * larger than {@link MAX_CONFIG_BYTES} is refused before it is parsed.
 *
 * @module
 */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import JSON5 from "json5";
import { configSchema, type QmiConfig } from "./config-schema.ts";
import { describeDuplicate, describeIssues } from "./config-problems.ts";
import { findDuplicateKeys } from "./config-duplicate-keys.ts";
import { UsageError } from "../protocol/errors.ts";

export type {
  ContextConfig,
  DiscoveryConfig,
  LoggingConfig,
  ProcessHostConfig,
  ProcessManagementConfig,
  QmiConfig,
  SecurityConfig,
  TlsConfig,
} from "./config-schema.ts";

/** A loaded configuration and the file it came from (undefined when none). */
export interface LoadedConfig {
  readonly config: QmiConfig;
  readonly path: string | undefined;
}

/** What `start()` accepts as `config`: a path, an object, `null` for none, or undefined for the default. */
export type ConfigSource = string | QmiConfig | null | undefined;

/** Loads the configuration from `source` (see the module doc for the defaults). */
export function loadConfig(source: ConfigSource): LoadedConfig {
  if (source === null) return { config: {}, path: undefined };
  if (typeof source === "object") return { config: validate(source, "Invalid configuration object"), path: undefined };
  const explicit = source ?? process.env.QMI_CONFIG;
  if (explicit === undefined || explicit === "") {
    const fallback = join(homedir(), "qmi.conf");
    return existsSync(fallback) ? readConfigFile(fallback) : { config: {}, path: undefined };
  }
  return readConfigFile(resolve(explicit));
}

/**
 * The largest configuration file read, 1 MiB: real ones are a few KiB, JSON5 parses about 2 MB a second, and a
 * larger file is the wrong file (or `/dev/zero`).
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readConfigFile(path: string): LoadedConfig {
  const text = readBounded(path);
  let parsed: unknown;
  try {
    parsed = JSON5.parse(hashCommentsToSlashes(text));
  } catch (error) {
    const { lineNumber, columnNumber, message } = error as { lineNumber?: number; columnNumber?: number; message: string };
    const where = lineNumber ? `:${lineNumber}:${columnNumber ?? 0}` : "";
    const hint = /invalid character '\\?["']'/.test(message) ? " (is a comma missing before it?)" : "";
    throw new UsageError(`Invalid configuration file ${path}${where}: ${message}${hint}`, { cause: error });
  }
  refuseDuplicateKeys(text, path);
  return { config: validate(parsed, `Invalid configuration file ${path}`), path };
}

/** The file's text; refuses one larger than {@link MAX_CONFIG_BYTES} without reading more (e.g. `/dev/zero`). */
function readBounded(path: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      total += read;
      if (total > MAX_CONFIG_BYTES) break;
      chunks.push(Buffer.from(chunk.subarray(0, read)));
    }
  } catch (error) {
    throw new UsageError(`Cannot read the configuration file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (total > MAX_CONFIG_BYTES) {
    throw new UsageError(
      `Invalid configuration file ${path}: it is larger than ${MAX_CONFIG_BYTES / 2 ** 20} MiB, the most a configuration ` +
        `file may have; check that the path names the configuration file`,
    );
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON5 keeps the last of duplicate keys: a second `security` block would silently drop the first one's token. */
function refuseDuplicateKeys(text: string, path: string): void {
  const { duplicates, total } = findDuplicateKeys(text);
  if (total === 0) return;
  const located = duplicates.map((d) => `${path}:${d.at.line}:${d.at.column}: ${describeDuplicate(d)}`);
  if (total === 1) throw new UsageError(`Invalid configuration file ${located[0]}`);
  const shown = total > duplicates.length ? `, the first ${duplicates.length}` : "";
  throw new UsageError(
    `Invalid configuration file ${path} (${total} duplicate keys${shown}):\n${located.map((l) => `  - ${l}`).join("\n")}`,
  );
}

/**
 * QMI's config files use `#` comments, which JSON5 lacks: turn each `#` outside a string or comment into `//`.
 * Strings and comments are read as `config-duplicate-keys.ts` reads them (a raw line break ends a string too).
 */
export function hashCommentsToSlashes(text: string): string {
  let out = "";
  let copied = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const char = text[i]!;
    if (char === '"' || char === "'") {
      for (i++; i < n && text[i] !== char && text[i] !== "\n" && text[i] !== "\r"; i++) {
        if (text[i] === "\\") i += text[i + 1] === "\r" && text[i + 2] === "\n" ? 2 : 1;
      }
      i++;
    } else if (char === "/" && text[i + 1] === "/") {
      i = lineEnd(text, i);
    } else if (char === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? n : close + 2;
    } else if (char === "#") {
      out += `${text.slice(copied, i)}//`;
      copied = i + 1;
      i = lineEnd(text, i);
    } else {
      i++;
    }
  }
  return out + text.slice(copied);
}

/** The index of the line terminator (JSON5's: LF, CR, U+2028, U+2029) ending the line at `from`, or the length. */
function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !/[\n\r\u2028\u2029]/.test(text[i]!)) i++;
  return i;
}

/** Checks `value` against the schema; one error listing every problem, each with key path, expected and found. */
function validate(value: unknown, heading: string): QmiConfig {
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues, value);
  const message =
    problems.length === 1
      ? `${heading}: ${problems[0]}`
      : `${heading} (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join("\n")}`;
  throw new UsageError(message);
}
