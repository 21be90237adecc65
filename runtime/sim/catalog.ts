/**
 * The simulators `qmi sim` can start, by driver name: how to build one and how to serve it.
 *
 * @module
 */
import { Keysight33500BSim } from "./keysight-33500b.ts";
import { NewportSmc100ccSim } from "./newport-smc100cc.ts";
import type { SimInstrument } from "./sim-instrument.ts";
import { startPtySim } from "./sim-pty.ts";
import { startTcpSim, type SimServer } from "./sim-tcp-server.ts";
import { startUdpSim } from "./sim-udp-server.ts";
import { Tenma7213350Sim } from "./tenma-72-13350.ts";

/** One simulator entry. */
export interface SimCatalogEntry {
  /** The driver module and class it simulates. */
  readonly driver: string;
  /** How it is served: tcp and udp on 127.0.0.1, serial on a pty pair. */
  readonly transport: "tcp" | "udp" | "serial";
  create(): SimInstrument;
  /** Starts serving on `port` (tcp/udp; 0 = any free port). */
  start(instrument: SimInstrument, port: number): Promise<SimServer>;
}

/** The simulators by name (the driver file's vendor/name). */
export const simCatalog: Readonly<Record<string, SimCatalogEntry>> = {
  "keysight/keysight-33500b": {
    driver: "drivers/keysight/keysight-33500b.ts (Keysight33500B)",
    transport: "tcp",
    create: () => new Keysight33500BSim(),
    start: (instrument, port) => startTcpSim(instrument, port),
  },
  "newport/smc100cc": {
    driver: "drivers/newport/smc100cc.ts (NewportSmc100cc)",
    transport: "serial",
    create: () => new NewportSmc100ccSim(),
    start: (instrument) => startPtySim(instrument, "baudrate=57600"),
  },
  "tenma/tenma-72-13350": {
    driver: "drivers/tenma/tenma-72-13350.ts (Tenma7213350)",
    transport: "udp",
    create: () => new Tenma7213350Sim(),
    start: (instrument, port) => startUdpSim(instrument, port),
  },
};
