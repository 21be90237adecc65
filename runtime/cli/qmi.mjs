#!/usr/bin/env node
// The `qmi` command: loads TypeScript through tsx, then runs the CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./qmi.ts");
process.exitCode = await main(process.argv.slice(2));
