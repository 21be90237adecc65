/**
 * The configuration file: JSON5 (comments and trailing commas allowed), QMI's keys.
 *
 * Where it comes from, first match wins: `start(name, { config })` (a path, an object, or `null` for none), the
 * `QMI_CONFIG` environment variable, `~/qmi.conf` if it exists. Only what contexts need today is read here:
 * `workgroup`, `logging.console_loglevel` and `contexts.<name>.host` / `tcp_server_port`.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import JSON5 from "json5";
import { UsageError } from "./errors.ts";

/** Settings of one context (`contexts.<name>`). */
export interface ContextConfig {
  /** Address the context's server binds; default 127.0.0.1. */
  readonly host?: string;
  /** TCP port of the context's server; default 0 (ephemeral). */
  readonly tcp_server_port?: number;
  readonly [key: string]: unknown;
}

/** The configuration, as read from the file. */
export interface QmiConfig {
  readonly workgroup?: string;
  readonly logging?: { readonly console_loglevel?: string; readonly [key: string]: unknown };
  readonly contexts?: Readonly<Record<string, ContextConfig>>;
  readonly [key: string]: unknown;
}

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
  if (typeof source === "object") return { config: checkShape(source, "the config object"), path: undefined };
  const explicit = source ?? process.env.QMI_CONFIG;
  if (explicit === undefined || explicit === "") {
    const fallback = join(homedir(), "qmi.conf");
    return existsSync(fallback) ? readConfigFile(fallback) : { config: {}, path: undefined };
  }
  return readConfigFile(explicit);
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
    throw new UsageError(`Invalid configuration file ${path}${where}: ${message}`, { cause: error });
  }
  return { config: checkShape(parsed, path), path };
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

function checkShape(value: unknown, where: string): QmiConfig {
  const fail = (key: string, expected: string, found: unknown) =>
    new UsageError(`Invalid configuration in ${where}: ${key} must be ${expected}, found ${JSON.stringify(found)}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail("the top level", "an object", value);
  const config = value as QmiConfig;
  for (const [name, ctx] of Object.entries(config.contexts ?? {})) {
    if (typeof ctx !== "object" || ctx === null) throw fail(`contexts.${name}`, "an object", ctx);
    if (ctx.host !== undefined && typeof ctx.host !== "string") throw fail(`contexts.${name}.host`, "a string", ctx.host);
    const port = ctx.tcp_server_port;
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      throw fail(`contexts.${name}.tcp_server_port`, "an integer port number in [0, 65535]", port);
    }
  }
  return config;
}
