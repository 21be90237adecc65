/**
 * Explains why a context could not serve on its address, saying what to do.
 *
 * @module
 */
import { ConnectionError, QmiError } from "../protocol/errors.ts";

/** Turns a failure of the server's `listen` into an error naming the context, the address and the remedy. */
export function explainListenError(error: unknown, context: string, address: string, configPath: string | undefined): QmiError {
  const message = QmiError.from(error).message;
  const key = `contexts.${context}.tcp_server_port${configPath ? ` in ${configPath}` : ""}`;
  if (/EADDRINUSE/.test(message)) {
    return new ConnectionError(
      `Context ${context} cannot serve on ${address}: the port is already in use (by another context or program). ` +
        `Stop that program, or choose another port (${key})`,
      { cause: error },
    );
  }
  if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(message)) {
    return new ConnectionError(
      `Context ${context} cannot serve on ${address}: this machine has no such address. ` +
        `Use 127.0.0.1 or an address of this machine (contexts.${context}.host${configPath ? ` in ${configPath}` : ""})`,
      { cause: error },
    );
  }
  return new ConnectionError(`Context ${context} cannot serve on ${address}: ${message}`, { cause: error });
}
