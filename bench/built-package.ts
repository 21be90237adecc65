/**
 * Benchmark 11 on the built package: builds `dist/` (`scripts/build.mjs`, as `npm run build` does), then measures
 * the remote round trips between two processes running it (`arrays-built.ts`), so that the figures are those a lab
 * gets from the installed package.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BuiltArrayFigures } from "./arrays.ts";
import { watch } from "./watched-child.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** `qmi-ts` resolved to `dist/` in the child processes (see `tsconfig.built.json`). */
const BUILT_ENV = { ...process.env, TSX_TSCONFIG_PATH: "bench/tsconfig.built.json" };
const run = promisify(execFile);

/** How {@link benchArraysBuilt} measures. */
export interface BuiltRunOptions {
  /** Node options of both processes (none by default). */
  readonly nodeFlags?: readonly string[];
  /** Build `dist/` first (default true; false when an earlier call built it). */
  readonly build?: boolean;
  /** Only the `Float64Array` echo takes turns with the raw one, for `TRACE_STREAM_ROUNDS` (a stream of traces). */
  readonly float64Only?: boolean;
}

/** The figures for `sizes` doubles between two processes on `dist/`, or why there are none. */
export async function benchArraysBuilt(sizes: readonly number[], options: BuiltRunOptions = {}): Promise<BuiltArrayFigures[] | string> {
  const { nodeFlags = [], build = true, float64Only = false } = options;
  try {
    if (build) await run(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, timeout: 180_000 });
  } catch (error) {
    return `not measured: the build failed (${(error as Error).message.split("\n")[0]})`;
  }
  // `stop()` closes its stdin (the serve mode then stops) and sends SIGTERM, and kills it after 5 s.
  const serve = [...nodeFlags, "--import", "tsx", "bench/arrays-built.ts", "serve"];
  const server = watch(spawn(process.execPath, serve, { cwd: ROOT, env: BUILT_ENV, stdio: ["pipe", "pipe", "inherit"] }), "built server");
  try {
    const ready = await server.waitFor(/^READY (\d+) (\d+)$/, 60);
    const measure = await run(process.execPath, [...nodeFlags, "--import", "tsx", "bench/arrays-built.ts", float64Only ? "measure-float64" : "measure", ready[1]!, ready[2]!, ...sizes.map(String)], {
      cwd: ROOT,
      env: BUILT_ENV,
      timeout: 600_000,
      maxBuffer: 1 << 20,
    });
    const figures = /^FIGURES (.*)$/m.exec(measure.stdout);
    if (!figures) return `not measured: the client printed no figures`;
    return JSON.parse(figures[1]!) as BuiltArrayFigures[];
  } catch (error) {
    return `not measured: ${(error as Error).message.split("\n")[0]}`;
  } finally {
    await server.stop();
  }
}
