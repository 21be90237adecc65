/**
 * A context's discovery settings, from its configuration's `discovery` section and its bind host.
 *
 * @module
 */
import type { QmiConfig } from "../config/config-schema.ts";
import { DEFAULT_DISCOVERY_PORT, discoveryScope, type DiscoveryScope } from "./scope.ts";

/** Resolved discovery settings. */
interface DiscoverySettings {
  /** False when `discovery.enabled` is false: the context does not answer queries. */
  readonly enabled: boolean;
  readonly port: number;
  readonly scope: DiscoveryScope;
  /** Seconds a query collects answers. */
  readonly timeout: number;
  /** The workgroup (default `default`). */
  readonly workgroup: string;
}

/** The settings of a context bound to `host` under `config`. */
export function discoverySettings(config: QmiConfig, host: string): DiscoverySettings {
  const discovery = config.discovery ?? {};
  return {
    enabled: discovery.enabled ?? true,
    port: discovery.port ?? DEFAULT_DISCOVERY_PORT,
    scope: discoveryScope(host, discovery.address),
    timeout: discovery.timeout ?? 0.5,
    workgroup: config.workgroup ?? "default",
  };
}
