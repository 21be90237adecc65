/**
 * Deadlines as the caller set them, not as the server first saw them. gRPC sends a call's deadline as a
 * duration (`grpc-timeout`), which the server counts from when it reads the call: a server that was frozen
 * (SIGSTOP, a swapped-out VM, a long GC) would run calls whose callers had already been told
 * `DEADLINE_EXCEEDED`. So callers also send the absolute deadline on their own clock, and the server, where it
 * can relate that clock to its own, refuses a call whose deadline passed before it started:
 *
 * - unary calls carry metadata {@link DEADLINE_METADATA} (ms since the epoch); it is trusted only from a caller
 *   on the same host (a loopback or local address), whose clock is the server's;
 * - the call channel carries the caller's clock on every batch (and the stream's headers, {@link CLOCK_METADATA}),
 *   from which {@link CallerClock} estimates the offset between the two clocks, so it needs no synchronised
 *   clocks between hosts.
 *
 * @module
 */
import { networkInterfaces } from "node:os";

/** Unary metadata: the caller's deadline, ms since the epoch on its clock. */
export const DEADLINE_METADATA = "qmi-deadline-ms";

/** Channel stream metadata: the caller's clock (ms since the epoch) when it opened the stream. */
export const CLOCK_METADATA = "qmi-clock-ms";

/** How long one sample of the clock offset counts: the guarantee holds for freezes shorter than this. */
export const CLOCK_WINDOW_MS = 5 * 60 * 1000;

let localAddresses: ReadonlySet<string> | undefined;

/** True when `peer` (grpc-js `getPeer()`: `address:port`) is this host: loopback or one of its own addresses. */
export function isSameHost(peer: string): boolean {
  const colon = peer.lastIndexOf(":");
  let host = colon > 0 && !peer.endsWith("]") ? peer.slice(0, colon) : peer;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.startsWith("::ffff:")) host = host.slice(7);
  if (host.startsWith("127.") || host === "::1") return true;
  localAddresses ??= new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((info) => info?.address)
      .filter((address): address is string => address !== undefined),
  );
  return localAddresses.has(host);
}

/** A caller's clock reading from the wire, or undefined when it is not a plausible time. */
export function clockValue(value: unknown): number | undefined {
  const ms = typeof value === "string" ? Number(value) : value;
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * The offset from one caller's clock to this server's, estimated from readings the caller sent with its
 * messages: `serverNow - callerReading` is the clock offset plus the message's time in transit (never less), so
 * the smallest recent value is the best estimate. A message delayed by a frozen server reads larger and does not
 * count; samples expire after {@link CLOCK_WINDOW_MS} to follow drift between the clocks.
 */
export class CallerClock {
  #current = Infinity;
  #previous = Infinity;
  #windowStart = -Infinity;

  /** Records that the caller's clock read `callerMs` when it sent what arrives now (`nowMs`). */
  observe(callerMs: number | undefined, nowMs: number): void {
    if (callerMs === undefined) return;
    if (nowMs - this.#windowStart > CLOCK_WINDOW_MS) {
      this.#previous = this.#current;
      this.#current = Infinity;
      this.#windowStart = nowMs;
    }
    const offset = nowMs - callerMs;
    if (offset < this.#current) this.#current = offset;
  }

  /** `callerMs` on this server's clock; `Infinity` before any reading. */
  toLocal(callerMs: number): number {
    const offset = Math.min(this.#current, this.#previous);
    return offset === Infinity ? Infinity : callerMs + offset;
  }
}
