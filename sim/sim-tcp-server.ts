/**
 * Serves a {@link SimInstrument} on TCP, on 127.0.0.1 only.
 *
 * @module
 */
import { createServer, type AddressInfo, type Socket } from "node:net";
import type { SimInstrument } from "./sim-instrument.ts";

/** A running simulator server. */
export interface SimServer {
  /** The descriptor a driver uses to reach it, e.g. `tcp:127.0.0.1:40123`. */
  readonly descriptor: string;
  /** Stops serving and drops the connections. */
  close(): Promise<void>;
}

/** Serves `instrument` on 127.0.0.1:`port` (0: any free port). */
export async function startTcpSim(instrument: SimInstrument, port = 0): Promise<SimServer & { port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const connection = instrument.connect({
      send: (data) => void (socket.writable && socket.write(data)),
      disconnect: () => socket.destroy(),
    });
    socket.on("data", (chunk: Buffer) => connection.receive(chunk));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    descriptor: `tcp:127.0.0.1:${actual}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
