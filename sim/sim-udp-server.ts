/**
 * Serves a {@link SimInstrument} on UDP, on 127.0.0.1 only: each sender address gets its own connection, and
 * each reply goes back to it as one datagram.
 *
 * @module
 */
import { createSocket } from "node:dgram";
import type { SimConnection, SimInstrument } from "./sim-instrument.ts";
import type { SimServer } from "./sim-tcp-server.ts";

/** Serves `instrument` on UDP 127.0.0.1:`port` (0: any free port). */
export async function startUdpSim(instrument: SimInstrument, port = 0): Promise<SimServer & { port: number }> {
  const socket = createSocket("udp4");
  const connections = new Map<string, SimConnection>();
  socket.on("message", (message, remote) => {
    const key = `${remote.address}:${remote.port}`;
    let connection = connections.get(key);
    if (!connection) {
      connection = instrument.connect({
        send: (data) => socket.send(Buffer.from(data), remote.port, remote.address),
        disconnect: () => connections.delete(key),
      });
      connections.set(key, connection);
    }
    connection.receive(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => resolve());
  });
  const actual = socket.address().port;
  return {
    port: actual,
    descriptor: `udp:127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
