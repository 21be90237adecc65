/**
 * Memory of a (child) process as the OS sees it, for tests that bound what a hostile client can make a context hold.
 */
import { readFileSync } from "node:fs";

/** Resident set size of process `pid` in bytes (Linux `/proc/<pid>/status`, `VmRSS`). */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
