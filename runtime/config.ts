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
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import JSON5 from "json5";
import { configSchema, type QmiConfig } from "./config-schema.ts";
import { describeIssues } from "./config-problems.ts";
import { UsageError } from "./errors.ts";

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

function readConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read the configuration file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(hashCommentsToSlashes(text));
  } catch (error) {
    const { lineNumber, columnNumber, message } = error as { lineNumber?: number; columnNumber?: number; message: string };
    const where = lineNumber ? `:${lineNumber}:${columnNumber ?? 0}` : "";
    const hint = /invalid character '\\?["']'/.test(message) ? " (is a comma missing before it?)" : "";
    throw new UsageError(`Invalid configuration file ${path}${where}: ${message}${hint}`, { cause: error });
  }
  return { config: validate(parsed, `Invalid configuration file ${path}`), path };
}

/** QMI's config files use `#` comments, which JSON5 lacks: turn each `#` outside a string into `//`. */
export function hashCommentsToSlashes(text: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === "\\") {
        out += char + (text[i + 1] ?? "");
        i++;
        continue;
      }
      if (char === quote || char === "\n") quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === "#") {
      out += "//";
      continue;
    }
    out += char;
  }
  return out;
}

/** Checks `value` against the schema; one error listing every problem, each with key path, expected and found. */
function validate(value: unknown, heading: string): QmiConfig {
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues);
  const message =
    problems.length === 1
      ? `${heading}: ${problems[0]}`
      : `${heading} (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join("\n")}`;
  throw new UsageError(message);
}
