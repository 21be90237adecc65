/**
 * The `qmi` command line: one entry point, one subcommand per tool.
 *
 * ```sh
 * npx qmi gen            # regenerate idl/ and generated/ from the drivers
 * npx qmi gen --check    # fail when they are stale
 * ```
 *
 * @module
 */

/** A subcommand: a one-line summary and a runner returning the exit code. */
interface Subcommand {
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const subcommands: Record<string, Subcommand> = {
  init: {
    summary: "create a lab project (driver, server and client scripts, test, package.json) in a new folder",
    async run(argv) {
      const { runInit } = await import("./init-command.ts");
      return runInit(argv);
    },
  },
  gen: {
    summary: "generate .proto files (idl/) and typed proxies (generated/) from decorated driver classes",
    async run(argv) {
      const { runGen } = await import("../codegen/main.ts");
      return runGen([...argv]);
    },
  },
  describe: {
    summary: "show what a running context hosts: objects, methods with signatures and docs, signals, constants",
    async run(argv) {
      const { runDescribe } = await import("./describe-command.ts");
      return runDescribe(argv);
    },
  },
  call: {
    summary: "call an RPC method of a running context (arguments as JSON) and print the result",
    async run(argv) {
      const { runCall } = await import("./call-command.ts");
      return runCall(argv);
    },
  },
  contexts: {
    summary: "list the contexts that answer discovery (name, address, connected)",
    async run(argv) {
      const { runContexts } = await import("./contexts-command.ts");
      return runContexts(argv);
    },
  },
  record: {
    summary: "record signals of running contexts to an HDF5 file (one data set per signal) until Ctrl-C or --duration",
    async run(argv) {
      const { runRecord } = await import("./record-command.ts");
      return runRecord(argv);
    },
  },
  data: {
    summary: "show what an HDF5 data file holds: data sets, columns with units, attributes and first rows",
    async run(argv) {
      const { runData } = await import("./data-command.ts");
      return runData(argv);
    },
  },
  dashboard: {
    summary: "serve a live web page of the lab: contexts, instruments, locks, tasks, signal plots and call forms",
    async run(argv) {
      const { runDashboard } = await import("./dashboard-command.ts");
      return runDashboard(argv);
    },
  },
  proc: {
    summary: "start, stop, restart and show background programs (configured contexts); server mode for SSH",
    async run(argv) {
      const { runProc } = await import("./proc-command.ts");
      return runProc(argv);
    },
  },
  usb: {
    summary: "list USB devices and their USBTMC interfaces (with the usbtmc: descriptor to use)",
    async run(argv) {
      const { runUsb } = await import("./usb-command.ts");
      return runUsb(argv);
    },
  },
  sim: {
    summary: "start an instrument simulator on 127.0.0.1 (or a pty) and print its transport descriptor",
    async run(argv) {
      const { runSim } = await import("./sim-command.ts");
      return runSim(argv);
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  const lines = Object.entries(subcommands).map(([name, sub]) => `  ${name.padEnd(width)}  ${sub.summary}`);
  return ["Usage: qmi <command> [options]", "", "Commands:", ...lines, "", "Run `qmi <command> --help` for a command's options."].join("\n");
}

/** Runs the CLI with `argv` (without the program name); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name === undefined ? 2 : 0;
  }
  const subcommand = subcommands[name];
  if (!subcommand) {
    process.stderr.write(`qmi: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return 2;
  }
  return subcommand.run(rest);
}
