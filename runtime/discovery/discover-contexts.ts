/**
 * Finds contexts by discovery: sends a query to the targets of a {@link DiscoveryScope} and collects the
 * answers for a bounded time.
 *
 * ```ts
 * const found = await discoverContexts({ scope: discoveryScope("127.0.0.1"), port: 35998, workgroup: "lab" });
 * // [{ name: "instr_server", address: "127.0.0.1:40001", workgroup: "lab", pid: 4242 }]
 * ```
 *
 * Answers are untrusted: one is used only when it echoes the query's request id and passes
 * {@link answerProblem} (a valid context name, a printable workgroup, a host that is an address or host name),
 * and at most {@link MAX_DISCOVERED} contexts are collected.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { RemoteInfo } from "node:dgram";
import { getLogger } from "../logging/log.ts";
import { answerProblem } from "./answer-check.ts";
import { decodePacket, encodePacket, MAX_TEXT_BYTES, type DiscoveryAnswer } from "./packet.ts";
import type { DiscoveryScope } from "./scope.ts";
import { openUdpSocket, sendUdp } from "./udp-socket.ts";
import { ConnectionError, InvalidArgumentError } from "../protocol/errors.ts";

const log = getLogger("qmi.core.discovery");

/** Most contexts one discovery reports; further answers (real or forged) are ignored. */
export const MAX_DISCOVERED = 256;

/** A context found by discovery. */
export interface DiscoveredContext {
  /** The context name. */
  readonly name: string;
  /** `host:port` of its gRPC server, ready for `connectToPeer(name, { address })`. */
  readonly address: string;
  /** Its workgroup. */
  readonly workgroup: string;
  /** Its process id. */
  readonly pid: number;
}

/** Options of `Context.discoverPeerContexts` and `showNetworkContexts`. */
export interface DiscoverPeerOptions {
  /** Workgroup pattern (`*` and `?` wildcards); default the context's own workgroup. */
  readonly workgroup?: string;
  /** Context-name pattern; default `*`. */
  readonly contextName?: string;
  /** Seconds to collect answers; default `discovery.timeout` of the configuration, else 0.5. */
  readonly timeout?: number;
}

/** Options of {@link discoverContexts}. */
interface DiscoverOptions {
  readonly scope: DiscoveryScope;
  /** UDP port of discovery. */
  readonly port: number;
  /** Workgroup pattern (`*` and `?` wildcards); contexts answer only when it matches their workgroup. */
  readonly workgroup: string;
  /** Context-name pattern; default `*`. */
  readonly contextName?: string;
  /** Seconds to collect answers; default 0.5. */
  readonly timeout?: number;
  /** A context to leave out (the asking one). */
  readonly exclude?: { readonly name: string; readonly pid: number };
}

/** The longest a discovery collects answers, in seconds (as `discovery.timeout` in the configuration). */
const MAX_DISCOVERY_TIMEOUT = 60;

/**
 * Sends a query and resolves, after `timeout` seconds, with the answers sorted by name then address. Fails with
 * an InvalidArgumentError if a pattern is longer than a packet holds (128 UTF-8 bytes), or `timeout` is not in
 * (0, {@link MAX_DISCOVERY_TIMEOUT}].
 */
export async function discoverContexts(options: DiscoverOptions): Promise<DiscoveredContext[]> {
  const { scope, port, workgroup, contextName = "*", timeout = 0.5, exclude } = options;
  if (!(typeof timeout === "number" && timeout > 0 && timeout <= MAX_DISCOVERY_TIMEOUT)) {
    // Beyond setTimeout's range a wait would end at once; NaN would never be an answer.
    throw new InvalidArgumentError(`Bad discovery timeout ${String(timeout)}; expected a positive number of seconds, at most ${MAX_DISCOVERY_TIMEOUT}`);
  }
  for (const [what, pattern] of [["workgroup", workgroup], ["context-name", contextName]] as const) {
    const bytes = Buffer.byteLength(pattern);
    if (bytes > MAX_TEXT_BYTES) {
      throw new InvalidArgumentError(`The ${what} pattern has ${bytes} UTF-8 bytes; a discovery pattern has at most ${MAX_TEXT_BYTES}. Shorten it, e.g. with a *`);
    }
  }
  const requestId = randomBytes(8);
  const query = encodePacket({ type: "query", requestId, workgroup, contextName });
  const socket = await openUdpSocket(scope.sendFrom, 0, false);
  const found = new Map<string, DiscoveredContext>();
  socket.on("error", () => undefined);
  const collect = (data: Buffer, from: RemoteInfo) => {
    const answer = decodePacket(data);
    if (answer?.type !== "answer" || !answer.requestId.equals(requestId)) return;
    if (exclude && answer.name === exclude.name && answer.pid === exclude.pid) return;
    const problem = answerProblem(answer);
    if (problem) {
      log.debug(`Ignored a discovery answer from ${from.address}:${from.port}: ${problem}`);
      return;
    }
    const context = discovered(answer, from.address);
    const key = `${context.name} ${context.address}`;
    if (found.size < MAX_DISCOVERED || found.has(key)) found.set(key, context);
  };
  socket.on("message", (data, from) => {
    try {
      collect(data, from);
    } catch (error) {
      // Not expected; a packet must never throw out of the socket's event.
      log.debug(`Discovery packet from ${from.address}:${from.port} ignored: ${(error as Error).message}`);
    }
  });
  try {
    const errors: string[] = [];
    // Twice, a third of the time apart: a lost datagram should not hide a context.
    for (const round of [0, 1]) {
      if (round === 1) await sleep((timeout * 1000) / 3);
      for (const target of scope.targets) {
        const error = await sendUdp(socket, query, port, target);
        if (error) errors.push(`${target}: ${error.message}`);
      }
    }
    if (errors.length === scope.targets.length * 2) {
      throw new ConnectionError(`Cannot send a discovery query (${errors.join("; ")}); check discovery.address and the network`);
    }
    await sleep((timeout * 1000 * 2) / 3);
  } finally {
    socket.close();
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.address.localeCompare(b.address));
}

/** The context an answer (already checked) describes; `source` is the address the answer came from. */
function discovered(answer: DiscoveryAnswer, source: string): DiscoveredContext {
  const host = answer.host === "" ? source : answer.host;
  const address = host.includes(":") ? `[${host}]:${answer.port}` : `${host}:${answer.port}`;
  return { name: answer.name, address, workgroup: answer.workgroup, pid: answer.pid };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
