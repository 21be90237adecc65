/**
 * Checks a discovery answer before its contents are used. Answers come from anyone who can send to the
 * asking socket (in LAN scope, anyone who saw the broadcast query and its request id), so their texts end up
 * in tables printed on terminals and their host in connection addresses only when they look like what a
 * real context sends: a context name as `Context.start` accepts it, a printable workgroup, and a host that is
 * empty (the context binds all interfaces) or an IP address or host name, never an unspecified address.
 *
 * @module
 */
import { isIP } from "node:net";
import type { DiscoveryAnswer } from "./packet.ts";

/** The names `Context.start` accepts. */
const CONTEXT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Control characters, and the bidirectional overrides that make a terminal show text other than it is. */
const UNPRINTABLE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;
/** A DNS host name: dot-separated labels of letters, digits and inner hyphens (no quantifier nests, so linear). */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Why `answer` must not be used, or undefined when it may. */
export function answerProblem(answer: DiscoveryAnswer): string | undefined {
  if (!CONTEXT_NAME.test(answer.name)) return "its context name is not a valid one";
  if (answer.workgroup === "" || UNPRINTABLE.test(answer.workgroup)) return "its workgroup is empty or not printable";
  if (answer.host !== "") {
    const family = isIP(answer.host);
    // All digits and dots is no host name but an IPv4 address in a form isIP refuses ("1.2.3").
    if (family === 0 && (!HOST_NAME.test(answer.host) || /^[\d.]+$/.test(answer.host))) {
      return "its host is neither an IP address nor a host name";
    }
    if (answer.host === "0.0.0.0" || (family === 6 && /^[0:]*$/.test(answer.host))) return "its host is an unspecified address";
  }
  if (!Number.isInteger(answer.port) || answer.port < 1 || answer.port > 65535) return "its port is out of range";
  return undefined;
}
