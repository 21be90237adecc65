/**
 * Which contexts a `qmi proc` action applies to: one named context, `--all` or `--locals` (the tutorial's rules).
 *
 * - `--all`: every context with `enabled: true` and a `program_module`.
 * - `--locals`: those of `--all` whose host is an address of this machine (loopback, `localhost`, this host's
 *   name or an address of one of its interfaces) and that are not configured to be reached over SSH
 *   (`process_management.hosts.<host>.ssh_host`).
 * - a named context must be configured; to be started it needs a `program_module` (not necessarily `enabled`).
 * - `status` without a name or option lists every context with a `program_module`.
 *
 * @module
 */
import { hostname, networkInterfaces } from "node:os";
import type { QmiConfig } from "../config/config-schema.ts";
import { UsageError } from "../protocol/errors.ts";
import { managedContext, managedContexts, type ManagedContext } from "./managed-context.ts";

/** What the command line asked for. */
interface SelectionRequest {
  /** A context name, if one was given. */
  readonly context?: string;
  /** `--all`. */
  readonly all?: boolean;
  /** `--locals`. */
  readonly locals?: boolean;
  /** True when no selection means "every managed context" (the `status` action). */
  readonly defaultToAll?: boolean;
}

/** True when `host` is an address of this machine. */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "0.0.0.0" || h === "::" || h === "::1" || /^127\./.test(h)) return true;
  if (h === hostname().toLowerCase()) return true;
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((i) => i.address.toLowerCase() === h));
}

/** True when the process manager reaches `host` over SSH: it is not local, or its `hosts` entry names an `ssh_host`. */
export function isManagedOverSsh(config: QmiConfig, host: string): boolean {
  return !isLocalHost(host) || config.process_management?.hosts?.[host]?.ssh_host !== undefined;
}

/** True when `--all` includes the context: `enabled: true` and a `program_module`. */
function isManaged(context: ManagedContext): boolean {
  return context.enabled && context.programModule !== undefined;
}

/** The contexts a request selects; throws a {@link UsageError} that says what to pass when it is ambiguous. */
export function selectContexts(config: QmiConfig, configPath: string | undefined, request: SelectionRequest): ManagedContext[] {
  const given = [request.context !== undefined, request.all === true, request.locals === true].filter(Boolean).length;
  if (given > 1) throw new UsageError("Give either a context name, --all or --locals, not several");
  if (request.context !== undefined) return [managedContext(config, configPath, request.context)];
  if (given === 0 && request.defaultToAll) {
    return managedContexts(config, configPath).filter((c) => c.programModule !== undefined);
  }
  if (given === 0) throw new UsageError("Name a context, or pass --all (every enabled context) or --locals (those on this machine)");
  const managed = managedContexts(config, configPath).filter(isManaged);
  return request.locals ? managed.filter((c) => !isManagedOverSsh(config, c.host)) : managed;
}
