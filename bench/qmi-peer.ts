/**
 * Benchmark 11's peer column: Python QMI (the framework qmi-ts replaces) echoing the same arrays between two
 * Python processes over loopback, measured by `bench/qmi_peer_echo.py` (which confines itself to 127.0.0.1).
 * Runs when `QMI_SOURCE` names a QMI source folder and Debian's `/usr/bin/python3` can import it with numpy;
 * otherwise says why it did not.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WARM_UP_DOUBLES, WARM_UP_ROUNDS, type PeerFigures } from "./arrays.ts";
import { watch } from "./watched-child.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYTHON = "/usr/bin/python3";
const SCRIPT = "bench/qmi_peer_echo.py";

/**
 * Measures Python QMI's echo of `sizes` doubles (`roundsOf(size)` timed round trips each, after one untimed, and
 * after the same warm-up as qmi-ts's paths), or resolves with why it was not measured.
 */
export async function benchQmiPeer(sizes: readonly number[], roundsOf: (doubles: number) => number): Promise<PeerFigures[] | string> {
  const source = process.env.QMI_SOURCE;
  if (!source) return "not measured (QMI_SOURCE not set)";
  const env = { ...process.env, PYTHONPATH: source };
  try {
    await run(PYTHON, ["-c", "import numpy, psutil, qmi"], { env, timeout: 30_000 });
  } catch (error) {
    return `not measured (${PYTHON} cannot import numpy, psutil and qmi from QMI_SOURCE: ${lastLine(error)})`;
  }
  const server = watch(spawn(PYTHON, [SCRIPT, "serve"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "inherit"] }), "the Python QMI server");
  try {
    const [, port] = await server.waitFor(/^READY (\d+)$/, 60);
    const counts = [sizes.join(","), sizes.map(roundsOf).join(","), `${WARM_UP_ROUNDS}x${WARM_UP_DOUBLES}`];
    const { stdout } = await run(PYTHON, [SCRIPT, "measure", `127.0.0.1:${port}`, ...counts], {
      cwd: ROOT,
      env,
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as PeerFigures[];
  } catch (error) {
    return `not measured (${lastLine(error)})`;
  } finally {
    await server.stop();
  }
}

function lastLine(error: unknown): string {
  const text = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  return text.split("\n").at(-1)!.slice(0, 200);
}
