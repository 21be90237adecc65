/**
 * A context as the process manager sees it: where it answers and which program runs it, resolved from the
 * configuration (`contexts.<name>` with `enabled`, `program_module`, `program_args`, `working_dir`, `env`).
 *
 * ```ts
 * const { config, path } = loadConfig("examples/proc-demo.conf");
 * const demo = managedContext(config, path, "proc_demo"); // { host: "127.0.0.1", port: 40002, ... }
 * ```
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { QmiConfig } from "../config/config-schema.ts";
import { UnknownNameError, UsageError } from "../protocol/errors.ts";
import { loadSecuritySettings, type SecuritySettings } from "../config/security-settings.ts";

/** One configured context, with the settings the process manager needs. */
export interface ManagedContext {
  /** The context name (`contexts.<name>`). */
  readonly name: string;
  /** The host its server binds (`contexts.<name>.host`, default 127.0.0.1). */
  readonly host: string;
  /** Its `tcp_server_port`; undefined when not configured (the manager then cannot find it). */
  readonly port: number | undefined;
  /** `enabled: true` in the configuration. */
  readonly enabled: boolean;
  /** The program to run (a `.ts`/`.js` file or a module), as configured; undefined when none. */
  readonly programModule: string | undefined;
  /** Arguments of the program. */
  readonly programArgs: readonly string[];
  /** Absolute working directory of the program (default: the configuration file's folder). */
  readonly workingDir: string;
  /** Extra environment variables of the program. */
  readonly env: Readonly<Record<string, string>>;
  /** TLS and token the manager uses to reach it (the configuration's `security`); absent when none. */
  readonly security?: SecuritySettings;
}

/** The address the manager uses to reach a context: a wildcard bind address is reached on loopback. */
export function reachableAddress(context: Pick<ManagedContext, "host" | "port" | "name">): string {
  if (context.port === undefined || context.port === 0) {
    throw new UsageError(
      `Context ${context.name} has no tcp_server_port in the configuration; qmi proc finds a context by its port, ` +
        `so set contexts.${context.name}.tcp_server_port`,
    );
  }
  const host = context.host === "0.0.0.0" ? "127.0.0.1" : context.host === "::" ? "::1" : context.host;
  return host.includes(":") ? `[${host}]:${context.port}` : `${host}:${context.port}`;
}

/** Every context of the configuration, in file order. `configPath` anchors relative working directories. */
export function managedContexts(config: QmiConfig, configPath: string | undefined): ManagedContext[] {
  const base = configPath ? dirname(configPath) : process.cwd();
  const security = config.security ? { security: loadSecuritySettings(config, configPath) } : {};
  return Object.entries(config.contexts ?? {}).map(([name, c]) => ({
    ...security,
    name,
    host: c.host ?? "127.0.0.1",
    port: c.tcp_server_port,
    enabled: c.enabled === true,
    programModule: c.program_module,
    programArgs: c.program_args ?? [],
    workingDir: resolve(base, c.working_dir ?? "."),
    env: c.env ?? {},
  }));
}

/** The context `name` of the configuration; throws naming the configured ones when it is missing. */
export function managedContext(config: QmiConfig, configPath: string | undefined, name: string): ManagedContext {
  const all = managedContexts(config, configPath);
  const found = all.find((c) => c.name === name);
  if (found) return found;
  const where = configPath ? `the configuration file ${configPath}` : "the configuration (no file was found)";
  const known = all.length ? `; configured: ${all.map((c) => c.name).join(", ")}` : "";
  throw new UnknownNameError(`Context ${JSON.stringify(name)} is not configured in ${where}${known}. Add it under "contexts" (with enabled, program_module and tcp_server_port) or pass --config`);
}
