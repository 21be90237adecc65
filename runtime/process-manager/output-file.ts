/**
 * Where a managed program's output goes: `<output_dir or qmi_home>/<context>_<UTC date>_<time>.out`, e.g.
 * `~/proc_demo_2026-11-25_13-46-23.out` (relative directories are taken from the configuration file's folder).
 *
 * @module
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { QmiConfig } from "../config/config-schema.ts";

/** The folder of output files: `process_management.output_dir`, else `qmi_home`, else `$QMI_HOME`, else `~`. */
export function outputDirectory(config: QmiConfig, configPath: string | undefined): string {
  const base = configPath ? dirname(configPath) : process.cwd();
  const dir = config.process_management?.output_dir ?? config.qmi_home ?? process.env.QMI_HOME ?? homedir();
  return resolve(base, dir);
}

/** The output file of `context` started at `when`: `<dir>/<context>_YYYY-MM-DD_HH-MM-SS.out` (UTC). */
export function outputFilePath(dir: string, context: string, when: Date = new Date()): string {
  const [date, time] = when.toISOString().split("T") as [string, string];
  return join(dir, `${context}_${date}_${time.slice(0, 8).replaceAll(":", "-")}.out`);
}
