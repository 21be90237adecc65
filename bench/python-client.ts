/**
 * Benchmark 6: a Python grpcio client's sequential unary `GetSample` p50 against the qmi-ts context and, as the
 * baselines, against the plain grpc-js server of the same process, bare and behind the context's call guard. Skipped (undefined) when Debian's
 * `/usr/bin/python3` lacks grpcio or the stubs cannot be generated.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYTHON = "/usr/bin/python3";

/** What {@link benchPython} measured, µs. */
export interface PythonFigures {
  readonly qmiP50Us: number;
  readonly qmiP99Us: number;
  readonly rawP50Us: number;
  readonly rawP99Us: number;
  /** Against the raw server behind the call guard (`runtime/server/call-guard.ts`). */
  readonly guardedP50Us: number;
}

async function pythonP50(address: string, count: number): Promise<[number, number]> {
  const { stdout } = await run(PYTHON, ["bench/python_unary.py", address, String(count)], { cwd: ROOT, timeout: 60_000 });
  const match = /P50 ([\d.]+) P99 ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`python_unary.py printed no figures: ${stdout}`);
  return [Number(match[1]), Number(match[2])];
}

/** Runs benchmark 6, or resolves undefined (with the reason) when Python's grpcio is not there. */
export async function benchPython(qmiAddress: string, rawAddress: string, guardedAddress: string, count: number): Promise<PythonFigures | string> {
  try {
    await run(PYTHON, ["-c", "import grpc, google.protobuf"], { timeout: 20_000 });
  } catch {
    return "skipped: /usr/bin/python3 lacks grpcio/protobuf (apt-get install python3-grpcio python3-protobuf)";
  }
  if (!existsSync(`${ROOT}examples/python/stubs/qmi/drivers/dummy/noisy_sine_generator_pb2_grpc.py`)) {
    try {
      await run("bash", ["examples/python/gen-stubs.sh"], { cwd: ROOT, timeout: 60_000 });
    } catch (error) {
      return `skipped: examples/python/gen-stubs.sh failed: ${(error as Error).message.split("\n")[0]}`;
    }
  }
  // Two interleaved rounds, best p50 of each target: one Python process after another drifts with the load.
  const best = { raw: [Infinity, Infinity], qmi: [Infinity, Infinity], guarded: [Infinity, Infinity] };
  for (let round = 0; round < 2; round++) {
    for (const [key, address] of [["raw", rawAddress], ["qmi", qmiAddress], ["guarded", guardedAddress]] as const) {
      const figures = await pythonP50(address, Math.ceil(count / 2));
      if (figures[0] < best[key][0]!) best[key] = figures;
    }
  }
  return {
    qmiP50Us: best.qmi[0]!,
    qmiP99Us: best.qmi[1]!,
    rawP50Us: best.raw[0]!,
    rawP99Us: best.raw[1]!,
    guardedP50Us: best.guarded[0]!,
  };
}
