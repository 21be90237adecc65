/**
 * Serves a {@link SimInstrument} on a real pseudo-terminal pair made by `socat`: the driver opens
 * `serial:<dir>/driver-end`, the simulator holds the other end (through the `serialport` package, so both sides
 * use the real serial stack). `disconnect()` kills socat, which the driver sees as the device going away.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransportError } from "../runtime/protocol/errors.ts";
import type { SimInstrument } from "./sim-instrument.ts";
import type { SimServer } from "./sim-tcp-server.ts";

/** True when `socat` can be run. */
export function hasSocat(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

/** A simulator behind a pty pair. */
export interface PtySim extends SimServer {
  /** The device path the driver opens. */
  readonly device: string;
}

/** Serves `instrument` on a new pty pair; `serialAttributes` (e.g. `baudrate=57600`) are appended to the descriptor. */
export async function startPtySim(instrument: SimInstrument, serialAttributes = "baudrate=9600"): Promise<PtySim> {
  if (!hasSocat()) throw new TransportError("socat is not installed; run test/setup.sh (as root) or apt-get install socat");
  const dir = mkdtempSync(join(tmpdir(), "qmi-pty-"));
  const driverEnd = join(dir, "driver-end");
  const simEnd = join(dir, "sim-end");
  const socat: ChildProcess = spawn("socat", [`pty,raw,echo=0,link=${driverEnd}`, `pty,raw,echo=0,link=${simEnd}`], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!(existsSync(driverEnd) && existsSync(simEnd))) {
    if (Date.now() > deadline || socat.exitCode !== null) {
      socat.kill();
      throw new TransportError("socat did not create the pty pair within 5 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { SerialPort } = await import("serialport");
  const port = new SerialPort({ path: simEnd, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  port.on("error", () => {});
  let closed = false;
  const stop = async () => {
    if (closed) return;
    closed = true;
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (socat.exitCode === null) {
      const exited = new Promise((resolve) => socat.once("exit", resolve));
      socat.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const connection = instrument.connect({
    send: (data) => void (port.isOpen && port.write(Buffer.from(data))),
    disconnect: () => void stop(),
  });
  port.on("data", (chunk: Buffer) => connection.receive(chunk));
  return { device: driverEnd, descriptor: `serial:${driverEnd}:${serialAttributes}`, close: stop };
}
