/**
 * The simulators `qmi sim` can start, by driver name: how to build one and how to serve it.
 *
 * @module
 */
import { AnapicoApsinSim } from "./anapico-apsin.ts";
import { Keysight33500BSim } from "./keysight-33500b.ts";
import { NewportSmc100ccSim } from "./newport-smc100cc.ts";
import { RigolDg4102Sim } from "./rigol-dg4102.ts";
import { RohdeSchwarzSgs100aSim } from "./rohde-schwarz-sgs100a.ts";
import type { SimInstrument } from "./sim-instrument.ts";
import { startPtySim } from "./sim-pty.ts";
import { startTcpSim, type SimServer } from "./sim-tcp-server.ts";
import { startUdpSim } from "./sim-udp-server.ts";
import { SrsDc205Sim } from "./srs-dc205.ts";
import { TektronixAfg31000Sim } from "./tektronix-afg31000.ts";
import { Tenma7213350Sim } from "./tenma-72-13350.ts";
import { ThorlabsMff10xSim } from "./thorlabs-mff10x.ts";

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
  "srs/dc205": {
    driver: "drivers/srs/dc205.ts (SrsDc205)",
    transport: "serial",
    create: () => new SrsDc205Sim(),
    start: (instrument) => startPtySim(instrument, "baudrate=115200"),
  },
  "thorlabs/mff10x": {
    driver: "drivers/thorlabs/mff10x.ts (ThorlabsMff10x)",
    transport: "serial",
    create: () => new ThorlabsMff10xSim(),
    start: (instrument) => startPtySim(instrument, "baudrate=115200"),
  },
  "tenma/tenma-72-13350": {
    driver: "drivers/tenma/tenma-72-13350.ts (Tenma7213350)",
    transport: "udp",
    create: () => new Tenma7213350Sim(),
    start: (instrument, port) => startUdpSim(instrument, port),
  },
  "rohde-schwarz/sgs100a": {
    driver: "drivers/rohde-schwarz/sgs100a.ts (RohdeSchwarzSgs100a)",
    transport: "tcp",
    create: () => new RohdeSchwarzSgs100aSim(),
    start: (instrument, port) => startTcpSim(instrument, port),
  },
  "tektronix/afg31000": {
    driver: "drivers/tektronix/afg31000.ts (TektronixAfg31000)",
    transport: "tcp",
    create: () => new TektronixAfg31000Sim(),
    start: (instrument, port) => startTcpSim(instrument, port),
  },
  "rigol/dg4102": {
    driver: "drivers/rigol/dg4102.ts (RigolDg4102)",
    transport: "tcp",
    create: () => new RigolDg4102Sim(),
    start: (instrument, port) => startTcpSim(instrument, port),
  },
  "anapico/apsin": {
    driver: "drivers/anapico/apsin.ts (AnapicoApsin)",
    transport: "tcp",
    create: () => new AnapicoApsinSim(),
    start: (instrument, port) => startTcpSim(instrument, port),
  },
};
