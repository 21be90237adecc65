/**
 * Free ports for tests: the system picks one, we release it and use its number.
 */
import { createSocket } from "node:dgram";
import { createServer, type AddressInfo } from "node:net";

/** A TCP port free on 127.0.0.1 a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A UDP port free on loopback a moment ago, for a test's own discovery port. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
