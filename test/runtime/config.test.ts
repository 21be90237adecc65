import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, UsageError } from "qmi-ts";
import { hashCommentsToSlashes, loadConfig } from "../../runtime/config.ts";

describe("loadConfig", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "qmi-config-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("reads the tutorial's file with # comments, also after values and not inside strings", () => {
    const path = write(
      "qmi.conf",
      `{
    # Log level for messages to the console.
    "logging": { "console_loglevel": "INFO" },  # trailing comment
    "workgroup": "lab#3", // a JSON5 comment
    "contexts": {
        "instr_server": { "host": "127.0.0.1", "tcp_server_port": 40001, },
    },
}`,
    );
    const { config, path: from } = loadConfig(path);
    assert.equal(from, path);
    assert.equal(config.workgroup, "lab#3");
    assert.equal(config.logging?.console_loglevel, "INFO");
    assert.deepEqual(config.contexts?.instr_server, { host: "127.0.0.1", tcp_server_port: 40001 });
  });

  it("keeps escaped quotes inside strings", () => {
    assert.equal(hashCommentsToSlashes(`{"a": "x\\" # y"} # z`), `{"a": "x\\" # y"} // z`);
  });

  it("names the file, line and column of a syntax error (the tutorial's missing comma)", () => {
    const path = write("broken.conf", `{\n  "logging": { "console_loglevel": "INFO" }\n  "contexts": {}\n}\n`);
    assert.throws(() => loadConfig(path), (e: unknown) => e instanceof UsageError && e.message.includes(`${path}:3:3`));
  });

  it("names the key path of a wrong port and fails for a missing explicit file", () => {
    const path = write("port.conf", `{ "contexts": { "a": { "tcp_server_port": "forty" } } }`);
    assert.throws(() => loadConfig(path), /contexts\.a\.tcp_server_port must be an integer port number/);
    assert.throws(() => loadConfig(join(dir, "missing.conf")), /Cannot read the configuration file/);
  });

  it("uses no file for null, and QMI_CONFIG when no path is given", () => {
    assert.deepEqual(loadConfig(null), { config: {}, path: undefined });
    const path = write("env.conf", `{ "workgroup": "from-env" }`);
    const saved = process.env.QMI_CONFIG;
    process.env.QMI_CONFIG = path;
    try {
      assert.equal(loadConfig(undefined).config.workgroup, "from-env");
    } finally {
      if (saved === undefined) delete process.env.QMI_CONFIG;
      else process.env.QMI_CONFIG = saved;
    }
  });

  it("gives a context named in the config its host and port", async () => {
    const probe = await Context.start("probe_port", { config: null });
    const port = probe.tcpServerPort; // a port known to be free once probe stops
    await probe.stop();
    const ctx = await Context.start("configured", { config: { contexts: { configured: { host: "127.0.0.1", tcp_server_port: port } } } });
    try {
      assert.equal(ctx.tcpServerPort, port);
      const client = await Context.start("config_client", { config: { contexts: { configured: { host: "127.0.0.1", tcp_server_port: port } } } });
      try {
        await client.connectToPeer("configured");
        assert.deepEqual(client.peers(), [{ name: "configured", address: `127.0.0.1:${port}` }]);
      } finally {
        await client.stop();
      }
    } finally {
      await ctx.stop();
    }
  });
});
