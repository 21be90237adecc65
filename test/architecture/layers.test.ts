/**
 * The layering rule of the runtime, checked on every import (static and dynamic) of `runtime/`, `cli/`, `sim/` and `dashboard/`:
 * each folder imports only the folders below it (see `runtime/README.md`), the client and the server never import
 * each other, no two files import each other (no import cycles at all), and the library never imports this
 * repository's `generated/` or `drivers/`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { ROOT } from "../helpers/child-context.ts";

/** The layers below the server and the client. */
const belowServerAndClient = [
  "runtime/protocol",
  "runtime/config",
  "runtime/logging",
  "runtime/driver",
  "runtime/host",
  "runtime/signals",
  "runtime/tasks",
];

/** What each folder may import, besides itself; the order is the layering, lowest first. */
const allowed: Readonly<Record<string, readonly string[]>> = {
  "runtime/protocol": [],
  "runtime/config": ["runtime/protocol"],
  "runtime/logging": ["runtime/protocol", "runtime/config"],
  "runtime/data": ["runtime/protocol"],
  "runtime/transport": ["runtime/protocol", "runtime/logging"],
  "runtime/driver": ["runtime/protocol", "runtime/transport"],
  "runtime/host": ["runtime/protocol", "runtime/config", "runtime/logging", "runtime/driver"],
  "runtime/signals": ["runtime/protocol", "runtime/logging", "runtime/driver", "runtime/host"],
  "runtime/tasks": ["runtime/protocol", "runtime/logging", "runtime/driver", "runtime/host", "runtime/signals"],
  // The server and the client are side by side: each may use everything below them, never the other.
  "runtime/server": belowServerAndClient,
  "runtime/client": belowServerAndClient,
  "runtime/discovery": ["runtime/protocol", "runtime/config", "runtime/logging"],
  "runtime/context": [...belowServerAndClient, "runtime/server", "runtime/client", "runtime/discovery"],
  "runtime/recording": [...belowServerAndClient, "runtime/data", "runtime/client", "runtime/context"],
  "runtime/process-manager": ["runtime/protocol", "runtime/config", "runtime/logging", "runtime/client"],
  runtime: ["runtime/*"],
  sim: ["runtime/protocol", "runtime/transport"],
  dashboard: ["runtime", "runtime/*"],
  cli: ["runtime", "runtime/*", "sim", "codegen", "dashboard"],
};

/** The folder of `file` that the table names: its own folder, or the nearest listed one above it. */
function layerOf(file: string): string | undefined {
  for (let dir = dirname(file); dir !== "."; dir = dirname(dir)) {
    if (dir in allowed) return dir;
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/** The repository files `file` imports (relative specifiers only; packages are not layers). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).split(sep).join("/"));
}

const files = ["runtime", "cli", "sim", "dashboard"].flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

function mayImport(from: string, to: string): boolean {
  const own = layerOf(from);
  const target = layerOf(to) ?? dirname(to).split("/")[0]!;
  if (own === undefined) return false;
  if (own === target) return true;
  return allowed[own]!.some((rule) => rule === target || (rule.endsWith("/*") && target.startsWith(rule.slice(0, -1))));
}

describe("runtime layers", () => {
  it("places every file in a listed folder", () => {
    assert.deepEqual(files.filter((file) => layerOf(file) === undefined), []);
  });

  it("imports only downwards: each folder the folders below it, the client and the server never each other", () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter((to) => !mayImport(from, to)).map((to) => `${from} -> ${to}`),
    );
    assert.deepEqual(upward, []);
  });

  it("has no import cycle between files", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it("never imports this repository's generated/ or drivers/ from the library", () => {
    const reaching = [...graph]
      .filter(([from]) => from.startsWith("runtime/"))
      .flatMap(([from, targets]) => targets.filter((to) => /^(generated|drivers)\//.test(to)).map((to) => `${from} -> ${to}`));
    assert.deepEqual(reaching, []);
  });
});
