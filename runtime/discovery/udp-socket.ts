/**
 * Opening UDP sockets for discovery, with errors that say what to do.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { ConnectionError } from "../protocol/errors.ts";

/** Binds a UDPv4 socket to `address:port` (shared with other contexts when `reuseAddr`), broadcast enabled. */
export async function openUdpSocket(address: string, port: number, reuseAddr: boolean): Promise<Socket> {
  const socket = createSocket({ type: "udp4", reuseAddr });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(new ConnectionError(`Cannot open the discovery socket on ${address}:${port}: ${error.message}`, { cause: error }));
    };
    socket.once("error", onError);
    socket.bind(port, address, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  socket.setBroadcast(true);
  return socket;
}

/** Sends `data` and resolves when handed to the system; a failure resolves with the error instead of throwing. */
export function sendUdp(socket: Socket, data: Buffer, port: number, address: string): Promise<Error | undefined> {
  return new Promise((resolve) => socket.send(data, port, address, (error) => resolve(error ?? undefined)));
}
