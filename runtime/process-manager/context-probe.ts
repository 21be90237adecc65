/**
 * Status probing: asks a context who it is with `qmi.core.Context/Ping` (name, pid, version, uptime), and asks it
 * to stop with `qmi.core.Context/Shutdown`. A context that does not answer within the timeout is offline.
 *
 * ```ts
 * const probe = await probeContext({ name: "proc_demo", host: "127.0.0.1", port: 40002 });
 * if (probe.state === "running") console.log(probe.info.pid, probe.info.version);
 * ```
 *
 * @module
 */
import { PeerConnection } from "../client/peer-connection.ts";
import { reachableAddress, type ManagedContext } from "./managed-context.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE } from "../protocol/core-services.ts";

/** Name under which the process manager calls contexts (`qmi-context` metadata). */
const MANAGER_CONTEXT_NAME = "qmi_proc";

/** Seconds a probe waits for an answer by default. */
const DEFAULT_PROBE_TIMEOUT = 1.5;

/** The `Ping` answer of a context. */
export interface ContextInfo {
  readonly name: string;
  readonly pid: number;
  readonly version: string;
  readonly uptimeSeconds: number;
}

/** What a probe found at a context's address. */
export type ProbeResult =
  | { readonly state: "running"; readonly info: ContextInfo }
  /** Something else answers there: another context (named in `info`). */
  | { readonly state: "other"; readonly info: ContextInfo }
  | { readonly state: "offline"; readonly reason: string };

/** The target of a probe. */
type ProbeTarget = Pick<ManagedContext, "name" | "host" | "port" | "security">;

/** Pings the context; never throws for an unreachable or silent context (that is `offline`). */
export async function probeContext(target: ProbeTarget, timeoutSeconds = DEFAULT_PROBE_TIMEOUT): Promise<ProbeResult> {
  const connection = new PeerConnection(target.name, reachableAddress(target), MANAGER_CONTEXT_NAME, target.security);
  try {
    const answer = await connection.unary({
      protoFile: CONTEXT_PROTO,
      protoService: CONTEXT_SERVICE,
      rpcName: "Ping",
      request: {},
      deadline: Date.now() + timeoutSeconds * 1000,
      what: "Ping",
    });
    const info: ContextInfo = {
      name: String(answer.name ?? ""),
      pid: Number(answer.pid ?? 0),
      version: String(answer.version ?? ""),
      uptimeSeconds: Number(answer.uptime_seconds ?? 0),
    };
    return { state: info.name === target.name ? "running" : "other", info };
  } catch (error) {
    return { state: "offline", reason: (error as Error).message };
  } finally {
    connection.close();
  }
}

/** Asks the context to stop gracefully; resolves when it acknowledged, rejects when it could not be asked. */
export async function requestContextShutdown(target: ProbeTarget, reason: string, timeoutSeconds = DEFAULT_PROBE_TIMEOUT): Promise<void> {
  const connection = new PeerConnection(target.name, reachableAddress(target), MANAGER_CONTEXT_NAME, target.security);
  try {
    await connection.requestShutdown(reason, Date.now() + timeoutSeconds * 1000);
  } finally {
    connection.close();
  }
}
