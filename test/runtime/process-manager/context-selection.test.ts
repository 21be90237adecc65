/**
 * The rules for `--all`, `--locals` and named contexts, and the output file's name (pure, no processes).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isLocalHost, isManagedOverSsh, selectContexts } from "../../../runtime/process-manager/context-selection.ts";
import { outputDirectory, outputFilePath } from "../../../runtime/process-manager/output-file.ts";
import type { QmiConfig } from "qmi-ts";
import { loadConfig } from "../../../runtime/config/config.ts";
import { fileURLToPath } from "node:url";

const config: QmiConfig = {
  contexts: {
    here: { host: "127.0.0.1", tcp_server_port: 41001, enabled: true, program_module: "a.ts" },
    wildcard: { host: "0.0.0.0", tcp_server_port: 41002, enabled: true, program_module: "b.ts" },
    away: { host: "192.0.2.7", tcp_server_port: 41003, enabled: true, program_module: "c.ts" },
    tunnelled: { host: "localhost", tcp_server_port: 41004, enabled: true, program_module: "d.ts" },
    disabled: { host: "127.0.0.1", tcp_server_port: 41005, enabled: false, program_module: "e.ts" },
    plain: { host: "127.0.0.1", tcp_server_port: 41006 },
  },
  process_management: { hosts: { localhost: { ssh_host: "127.0.0.1", ssh_port: 2222 } } },
};
const names = (list: { name: string }[]) => list.map((c) => c.name);

describe("selectContexts", () => {
  it("--all: every context with enabled: true and a program_module", () => {
    assert.deepEqual(names(selectContexts(config, "/x/qmi.conf", { all: true })), ["here", "wildcard", "away", "tunnelled"]);
  });

  it("--locals: those of --all on a local address that are not reached over SSH", () => {
    assert.deepEqual(names(selectContexts(config, "/x/qmi.conf", { locals: true })), ["here", "wildcard"]);
  });

  it("a named context, even when not enabled; status without a selection lists those with a program", () => {
    assert.deepEqual(names(selectContexts(config, "/x/qmi.conf", { context: "disabled" })), ["disabled"]);
    assert.deepEqual(names(selectContexts(config, "/x/qmi.conf", { defaultToAll: true })), ["here", "wildcard", "away", "tunnelled", "disabled"]);
  });

  it("rejects several selections, none, and unknown names with messages that say what to do", () => {
    assert.throws(() => selectContexts(config, "/x/qmi.conf", { context: "here", all: true }), /either a context name, --all or --locals/);
    assert.throws(() => selectContexts(config, "/x/qmi.conf", {}), /Name a context, or pass --all/);
    assert.throws(() => selectContexts(config, "/x/qmi.conf", { context: "nope" }), /"nope" is not configured in the configuration file \/x\/qmi\.conf; configured: here, wildcard/);
  });

  it("resolves working directories from the configuration file's folder", () => {
    const [here] = selectContexts({ contexts: { a: { working_dir: "sub", program_module: "p.ts" } } }, "/x/y/qmi.conf", { context: "a" });
    assert.equal(here!.workingDir, "/x/y/sub");
    const [plain] = selectContexts({ contexts: { a: { program_module: "p.ts" } } }, "/x/y/qmi.conf", { context: "a" });
    assert.equal(plain!.workingDir, "/x/y");
  });
});

describe("isLocalHost / isManagedOverSsh", () => {
  it("loopback, localhost and wildcard addresses are local; a documentation address is not", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "0.0.0.0"]) assert.equal(isLocalHost(host), true, host);
    assert.equal(isLocalHost("192.0.2.7"), false);
  });

  it("a host is reached over SSH when it is remote or its hosts entry names an ssh_host", () => {
    assert.equal(isManagedOverSsh(config, "192.0.2.7"), true);
    assert.equal(isManagedOverSsh(config, "localhost"), true);
    assert.equal(isManagedOverSsh(config, "127.0.0.1"), false);
  });
});

describe("outputFilePath / outputDirectory", () => {
  it("names the file <context>_<UTC date>_<time>.out", () => {
    assert.equal(outputFilePath("/out", "proc_demo", new Date("2026-03-04T05:06:07.890Z")), "/out/proc_demo_2026-03-04_05-06-07.out");
  });

  it("uses output_dir, else qmi_home, relative to the configuration file", () => {
    assert.equal(outputDirectory({ process_management: { output_dir: "logs" }, qmi_home: "/h" }, "/x/qmi.conf"), "/x/logs");
    assert.equal(outputDirectory({ qmi_home: "home" }, "/x/qmi.conf"), "/x/home");
  });
});

describe("examples/proc-demo.conf", () => {
  it("loads, and --all selects proc_demo running examples/proc-demo.ts", () => {
    const { config: demo, path } = loadConfig(fileURLToPath(new URL("../../../examples/proc-demo.conf", import.meta.url)));
    const [selected, ...rest] = selectContexts(demo, path, { all: true });
    assert.equal(rest.length, 0);
    assert.equal(selected!.name, "proc_demo");
    assert.equal(selected!.port, 40002);
    assert.match(`${selected!.workingDir}/${selected!.programModule}`, /examples\/proc-demo\.ts$/);
  });
});
