/**
 * Benchmark 11's peer column: Python QMI (the framework qmi-ts replaces) echoing the same arrays between two
 * Python processes over loopback, measured by `bench/qmi_peer_echo.py` (which confines itself to 127.0.0.1).
 * Runs when `QMI_SOURCE` names a QMI source folder and Debian's `/usr/bin/python3` can import it with numpy;
 * otherwise says why it did not.
 *
 * @module
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WARM_UP_DOUBLES, WARM_UP_ROUNDS, type PeerFigures } from "./arrays.ts";

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
  const server = spawn(PYTHON, [SCRIPT, "serve"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "inherit"] });
  try {
    const port = await readyPort(server);
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
    await stop(server);
  }
}

/** The port of the `READY <port>` line the Python server prints once it serves. */
function readyPort(server: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the Python QMI server did not start within 60 s")), 60_000);
    createInterface({ input: server.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      const match = /^READY (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`the Python QMI server said ${line}`));
    });
    server.once("exit", (code) => reject(new Error(`the Python QMI server exited (${code})`)));
  });
}

/** Closes the server's stdin (it stops then), and kills it when it has not exited after 5 s. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  server.stdin!.end("quit\n");
  const timer = setTimeout(() => server.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function lastLine(error: unknown): string {
  const text = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  return text.split("\n").at(-1)!.slice(0, 200);
}
