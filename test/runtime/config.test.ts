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
    const path = write(
      "broken.conf",
      `{\n    # Log level for messages to the console.\n    "logging": {\n        "console_loglevel": "INFO"\n    }\n\n    "contexts": {}\n}\n`,
    );
    assert.throws(() => loadConfig(path), {
      name: "UsageError",
      message: `Invalid configuration file ${path}:7:5: JSON5: invalid character '\\"' at 7:5 (is a comma missing before it?)`,
    });
  });

  it("fails for a missing explicit file", () => {
    const missing = join(dir, "missing.conf");
    assert.throws(() => loadConfig(missing), (e: unknown) =>
      e instanceof UsageError && e.message.startsWith(`Cannot read the configuration file ${missing}: ENOENT`));
  });

  /** The message for a config file with `text`; the file name is replaced by FILE. */
  const problem = (text: string) => {
    const path = write("bad.conf", text);
    try {
      loadConfig(path);
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      return error.message.replaceAll(path, "FILE");
    }
    assert.fail(`no error for ${text}`);
  };

  it("reports a wrong type with the key path, what was expected and what was found", () => {
    assert.equal(
      problem(`{ "contexts": { "a": { "tcp_server_port": "forty" } } }`),
      `Invalid configuration file FILE: contexts.a.tcp_server_port: expected an integer port number in [0, 65535], found "forty"`,
    );
    assert.equal(
      problem(`{ contexts: { a: { tcp_server_port: 70000 } } }`),
      `Invalid configuration file FILE: contexts.a.tcp_server_port: expected an integer port number in [0, 65535], found 70000`,
    );
    assert.equal(
      problem(`{ logging: { console_loglevel: "LOUD" } }`),
      `Invalid configuration file FILE: logging.console_loglevel: expected a log level: DEBUG, INFO, WARNING or ERROR, found "LOUD"`,
    );
    assert.equal(
      problem(`{ contexts: { a: { program_args: ["x", 3] } } }`),
      `Invalid configuration file FILE: contexts.a.program_args[1]: expected a string, found 3`,
    );
    assert.equal(
      problem(`{ logging: [] }`),
      `Invalid configuration file FILE: logging: expected an object (the logging settings), found the list []`,
    );
    assert.equal(
      problem(`[1, 2]`),
      `Invalid configuration file FILE: the top level: expected an object (the whole configuration), found the list [1,2]`,
    );
  });

  it("reports unknown keys with the known ones, at every level", () => {
    assert.equal(
      problem(`{ contexts: { a: { prot: 40001 } } }`),
      `Invalid configuration file FILE: contexts.a.prot: unknown key; expected one of the keys host, tcp_server_port, ` +
        `connect_to_peers, enabled, program_module, program_args, working_dir, env`,
    );
    assert.equal(
      problem(`{ loging: {} }`),
      `Invalid configuration file FILE: loging: unknown key; expected one of the keys workgroup, qmi_home, log_dir, ` +
        `datastore, logging, contexts, process_management, discovery, security`,
    );
    assert.equal(
      problem(`{ process_management: { hosts: { "10.0.0.2": { ssh_usr: "me" } } } }`),
      `Invalid configuration file FILE: process_management.hosts["10.0.0.2"].ssh_usr: unknown key; expected one of ` +
        `the keys server_command, ssh_host, ssh_user, ssh_port, ssh_options`,
    );
  });

  it("reports missing required values and wrong context names", () => {
    assert.equal(
      problem(`{ contexts: { a: { enabled: true } } }`),
      `Invalid configuration file FILE: contexts.a.program_module: expected a program to run (required when enabled ` +
        `is true), found nothing (the key is missing)`,
    );
    assert.equal(
      problem(`{ contexts: { a: { connect_to_peers: ["b"] } } }`),
      `Invalid configuration file FILE: contexts.a.connect_to_peers[0]: expected the name of a context configured ` +
        `here with a tcp_server_port, found "b"`,
    );
    assert.equal(
      problem(`{ contexts: { "a b": {} } }`),
      `Invalid configuration file FILE: contexts["a b"]: expected the key to be a context name (letters, digits, '_' ` +
        `and '-'), found "a b"`,
    );
  });

  it("lists every problem of a file in one message", () => {
    assert.equal(
      problem(`{ workgroup: 5, logging: { loglevels: { "qmi.core": "LOUD" } }, discovery: { port: 0 } }`),
      `Invalid configuration file FILE (3 problems):\n` +
        `  - workgroup: expected a workgroup name, found 5\n` +
        `  - logging.loglevels["qmi.core"]: expected a log level: DEBUG, INFO, WARNING or ERROR, found "LOUD"\n` +
        `  - discovery.port: expected a port number in [1, 65535], found 0`,
    );
  });

  it("checks the security section: unknown keys, short tokens, token and token_file together, mutual TLS without ca", () => {
    assert.equal(
      problem(`{ security: { tokn: "x" } }`),
      `Invalid configuration file FILE: security.tokn: unknown key; expected one of the keys tls, token, token_file, max_message_bytes`,
    );
    assert.equal(
      problem(`{ security: { token: "short" } }`),
      `Invalid configuration file FILE: security.token: expected a shared secret of at least 16 characters, found "short"`,
    );
    assert.equal(
      problem(`{ security: { token: "0123456789abcdef", token_file: "t" } }`),
      `Invalid configuration file FILE: security.token_file: expected either token or token_file, not both (remove one), found "t"`,
    );
    assert.equal(
      problem(`{ security: { tls: { cert: "a.crt", key: "a.key", require_client_cert: true } } }`),
      `Invalid configuration file FILE: security.tls.ca: expected a CA certificate file (required when ` +
        `require_client_cert is true), found nothing (the key is missing)`,
    );
    assert.equal(
      problem(`{ security: { tls: { cert: "a.crt" }, max_message_bytes: 10 } }`),
      `Invalid configuration file FILE (2 problems):\n` +
        `  - security.tls.key: expected a PEM private key file (relative to the configuration file), found nothing (the key is missing)\n` +
        `  - security.max_message_bytes: expected an integer number of bytes >= 1024, found 10`,
    );
  });

  it("names the key and the file when a security file is missing or not PEM, relative to the config file", async () => {
    write("not-pem.crt", "hello");
    const missing = write("missing-tls.conf", `{ security: { tls: { cert: "nope.crt", key: "nope.key" } } }`);
    await assert.rejects(Context.start("sec_missing", { config: missing }), (e: unknown) =>
      e instanceof UsageError && e.message.startsWith(`Cannot read security.tls.cert ${join(dir, "nope.crt")} (in ${missing}): ENOENT`) &&
      e.message.endsWith("fix the path or create the file"));
    const notPem = write("not-pem.conf", `{ security: { tls: { cert: "not-pem.crt", key: "not-pem.crt" } } }`);
    await assert.rejects(Context.start("sec_not_pem", { config: notPem }), {
      name: "UsageError",
      message: `security.tls.cert ${join(dir, "not-pem.crt")} (in ${notPem}) is not a PEM file (no "-----BEGIN" line); give a PEM file`,
    });
    write("short.token", "abc\n");
    const shortToken = write("short-token.conf", `{ security: { token_file: "short.token" } }`);
    await assert.rejects(Context.start("sec_short", { config: shortToken }), (e: unknown) =>
      e instanceof UsageError && e.message.includes("must hold a token of at least 16 characters on its first line (found 3)"));
  });

  it("checks a config object given to start() the same way", async () => {
    await assert.rejects(Context.start("bad_object", { config: { contexts: { bad_object: { host: 7 } } } as never }), {
      name: "UsageError",
      message: `Invalid configuration object: contexts.bad_object.host: expected a host address, e.g. "127.0.0.1", found 7`,
    });
  });

  it("accepts every key of QMI's and ours", () => {
    const path = write(
      "full.conf",
      `{
  workgroup: "lab", qmi_home: "/tmp/qmi", log_dir: "logs", datastore: "/tmp/data",
  logging: { loglevel: "debug", console_loglevel: "WARNING", logfile: "qmi.log", loglevels: { "qmi.core.rpc": "ERROR" },
             rate_limit: 100, burst_limit: 10, max_bytes: 1048576, backup_count: 3 },
  contexts: {
    server: { host: "127.0.0.1", tcp_server_port: 40001, enabled: true, program_module: "examples/instr-server.ts",
              program_args: ["--port", "40001"], working_dir: ".", env: { A: "1" } },
    client: { connect_to_peers: ["server"] },
  },
  process_management: { output_dir: "out", hosts: { "127.0.0.1": { server_command: "qmi proc server", ssh_host: "h", ssh_user: "u" } } },
  discovery: { enabled: true, port: 45000, address: "127.255.255.255", timeout: 0.2 },
}`,
    );
    const { config } = loadConfig(path);
    assert.equal(config.contexts?.server?.program_module, "examples/instr-server.ts");
    assert.deepEqual(config.contexts?.client?.connect_to_peers, ["server"]);
    assert.equal(config.discovery?.port, 45000);
  });

  it("takes start()'s config over QMI_CONFIG over ~/qmi.conf, and null means no file at all", () => {
    const home = mkdtempSync(join(dir, "home-"));
    writeFileSync(join(home, "qmi.conf"), `{ "workgroup": "from-home" }`);
    const fromEnv = write("env.conf", `{ "workgroup": "from-env" }`);
    const explicit = write("explicit.conf", `{ "workgroup": "explicit" }`);
    const saved = { QMI_CONFIG: process.env.QMI_CONFIG, HOME: process.env.HOME };
    const restore = (key: "QMI_CONFIG" | "HOME") =>
      saved[key] === undefined ? delete process.env[key] : (process.env[key] = saved[key]);
    try {
      process.env.HOME = home; // os.homedir() follows $HOME on POSIX
      delete process.env.QMI_CONFIG;
      assert.deepEqual(loadConfig(undefined), { config: { workgroup: "from-home" }, path: join(home, "qmi.conf") });
      process.env.QMI_CONFIG = fromEnv;
      assert.deepEqual(loadConfig(undefined), { config: { workgroup: "from-env" }, path: fromEnv });
      assert.deepEqual(loadConfig(explicit), { config: { workgroup: "explicit" }, path: explicit });
      assert.deepEqual(loadConfig(null), { config: {}, path: undefined });
      process.env.HOME = join(home, "nowhere");
      delete process.env.QMI_CONFIG;
      assert.deepEqual(loadConfig(undefined), { config: {}, path: undefined });
    } finally {
      restore("QMI_CONFIG");
      restore("HOME");
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
