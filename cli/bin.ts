#!/usr/bin/env node
/**
 * The compiled `qmi` command of the published package (`dist/cli/bin.js`): runs the CLI with plain node,
 * no loader. The package's `qmi` bin (`cli/qmi.mjs`) starts it; in a checkout of qmi-ts, that bin runs
 * the TypeScript sources instead.
 *
 * @module
 */
import { main } from "./qmi.ts";

process.exitCode = await main(process.argv.slice(2));
