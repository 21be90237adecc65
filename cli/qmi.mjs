#!/usr/bin/env node
// The `qmi` command (the package's bin).
//
// Installed from the package, it runs the compiled CLI, dist/cli/bin.js, with no loader. In a checkout of
// qmi-ts (the TypeScript sources beside this file) it runs the sources through tsx with the `qmi-ts-source`
// export condition, so that `qmi-ts` imports resolve to the sources rather than to a build; the condition is passed
// on in NODE_OPTIONS to the programs it starts (`qmi proc start`).
import { existsSync } from "node:fs";

const source = new URL("./qmi.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("node:module");
  const addSourceCondition = `export async function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, "qmi-ts-source"] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, "--conditions=qmi-ts-source"].filter(Boolean).join(" ");
  // `qmi record` and `qmi data` read and write HDF5 files with h5wasm, whose 4 MB module tsx would rewrite as it
  // loads it (3-6 s here, against 0.3-0.5 s under plain node): load it before tsx is registered, so that the
  // sources' later imports of it find this instance.
  if (process.argv[2] === "record" || process.argv[2] === "data") await import("h5wasm/node");
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  const { main } = await import(source.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  await import("../dist/cli/bin.js");
}
