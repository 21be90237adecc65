/**
 * The dashboard server's clock as the page estimates it. Times in lab events (`lastSeen`) are on that clock, so
 * the page ticks uptimes on it too: a browser on another machine whose clock is off still shows them right.
 */

let offsetMs = 0;

/** Sets the estimate from the server's time sent with `hello` (one way of a request: off by at most its latency). */
export function setServerTime(serverTime: number): void {
  if (Number.isFinite(serverTime)) offsetMs = serverTime - Date.now();
}

/** The server's time now, milliseconds since 1970. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
