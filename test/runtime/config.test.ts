import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, UsageError } from "qmi-ts";
import { hashCommentsToSlashes, loadConfig, MAX_CONFIG_BYTES } from "../../runtime/config/config.ts";
import { freeTcpPort } from "../helpers/free-port.ts";

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
        `datastore, logging, contexts, process_management, discovery, security, dashboard`,
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
        `  - workgroup: expected a workgroup name of at most 128 UTF-8 bytes, without control characters, found 5\n` +
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
      `Invalid configuration file FILE: security.token: expected a shared secret of 16 to 1024 printable ASCII characters, ` +
        `without leading or trailing spaces, found "short"`,
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
        `  - security.max_message_bytes: expected an integer number of bytes in [1024, 1073741824] (1 KiB to 1 GiB), found 10`,
    );
  });

  const repeated = (first: string) =>
    `expected each key once in an object, found it again (first at ${first}); merge the two, since JSON5 would silently keep only the last one`;

  it("refuses a key written twice in one object, quoted or not, naming the file, line, column and key path", () => {
    assert.equal(
      problem(`{\n  security: { token: "0123456789abcdef" },\n  "security": { max_message_bytes: 4194304 },\n}`),
      `Invalid configuration file FILE:3:3: security: ${repeated("line 2, column 3")}`,
    );
    assert.equal(
      problem(`{ contexts: { a: { host: "127.0.0.1", 'host': "0.0.0.0" } } }`),
      `Invalid configuration file FILE:1:39: contexts.a.host: ${repeated("line 1, column 20")}`,
    );
    assert.equal(
      problem(`{\n  # QMI's comments count as lines too\n  contexts: { a: {} },\n  contexts: { b: {} }, // the second replaced the first\n}`),
      `Invalid configuration file FILE:4:3: contexts: ${repeated("line 3, column 3")}`,
    );
  });

  it("lists every repeat, at any depth and inside lists of objects, before checking anything else", () => {
    assert.equal(
      problem(`{\n  workgroup: 5,\n  \\u0077orkgroup: "lab",\n  x: [{ k: 1 }, { k: 1, "\\x6b": 2 }],\n}`),
      `Invalid configuration file FILE (2 duplicate keys):\n` +
        `  - FILE:3:3: workgroup: ${repeated("line 2, column 3")}\n` +
        `  - FILE:4:25: x[1].k: ${repeated("line 4, column 19")}`,
    );
  });

  it("refuses a duplicated security block at start(): the context never serves without its token", async () => {
    const port = await freeTcpPort();
    const path = write(
      "dup-token.conf",
      `{\n  contexts: { dup_token: { tcp_server_port: ${port} } },\n  security: { token: "0123456789abcdef-secret" },\n` +
        `  discovery: { enabled: false },\n  security: { max_message_bytes: 8388608 },\n}\n`,
    );
    await assert.rejects(Context.start("dup_token", { config: path }), {
      name: "UsageError",
      message: `Invalid configuration file ${path}:5:3: security: ${repeated("line 3, column 3")}`,
    });
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const timer = setTimeout(() => (socket.destroy(), resolve("no answer in 5 s")), 5000);
      socket.once("connect", () => (clearTimeout(timer), socket.destroy(), resolve("connected")));
      socket.once("error", (error: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(error.code ?? error.message)));
    });
    assert.equal(refused, "ECONNREFUSED");
  });

  it("reports Infinity, -Infinity and NaN as written, not as null", () => {
    assert.equal(
      problem(`{ contexts: { a: { tcp_server_port: Infinity } } }`),
      `Invalid configuration file FILE: contexts.a.tcp_server_port: expected an integer port number in [0, 65535], found Infinity`,
    );
    assert.equal(
      problem(`{ discovery: { timeout: -Infinity, port: NaN } }`),
      `Invalid configuration file FILE (2 problems):\n` +
        `  - discovery.port: expected an integer port number in [0, 65535], found NaN\n` +
        `  - discovery.timeout: expected a positive number of seconds, at most 60, found -Infinity`,
    );
    assert.equal(
      problem(`{ logging: [+Infinity, NaN, { a: -Infinity }] }`),
      `Invalid configuration file FILE: logging: expected an object (the logging settings), found the list [Infinity,NaN,{"a":-Infinity}]`,
    );
  });

  it("shows a short part of a huge or deeply nested value", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    assert.equal(
      problem(`{ logging: ${deep} }`),
      `Invalid configuration file FILE: logging: expected an object (the logging settings), found the list ${"[".repeat(57)}...`,
    );
  });

  it("bounds max_message_bytes to 1 GiB, an integer of at least 1 KiB", async () => {
    const phrase = "expected an integer number of bytes in [1024, 1073741824] (1 KiB to 1 GiB)";
    for (const [written, found] of [["1e12", "1000000000000"], ["1073741825", "1073741825"], ["1023", "1023"], ["2048.5", "2048.5"], ["Infinity", "Infinity"]]) {
      assert.equal(
        problem(`{ security: { max_message_bytes: ${written} } }`),
        `Invalid configuration file FILE: security.max_message_bytes: ${phrase}, found ${found}`,
      );
    }
    assert.equal(loadConfig(write("max.conf", `{ security: { max_message_bytes: 0x40000000 } }`)).config.security?.max_message_bytes, 2 ** 30);
    assert.equal(loadConfig(write("min.conf", `{ security: { max_message_bytes: 1024 } }`)).config.security?.max_message_bytes, 1024);
    const largest = await Context.start("largest_limit", { config: { discovery: { enabled: false }, security: { max_message_bytes: 2 ** 30 } } });
    await largest.stop(); // grpc-js takes the largest allowed limit
  });

  it("bounds the other numbers, and the strings that go on the wire", () => {
    const at = (text: string) => problem(text).replace(/^Invalid configuration file FILE: /, "");
    assert.equal(at(`{ logging: { backup_count: 1e9 } }`), `logging.backup_count: expected an integer in [0, 1000], found 1000000000`);
    assert.equal(at(`{ logging: { burst_limit: 1.5 } }`), `logging.burst_limit: expected an integer in [1, 1000000], found 1.5`);
    assert.equal(
      at(`{ logging: { max_bytes: 1e13 } }`),
      `logging.max_bytes: expected an integer number of bytes in [1024, 1099511627776] (1 KiB to 1 TiB), found 10000000000000`,
    );
    assert.equal(
      at(`{ logging: { rate_limit: 1e7 } }`),
      `logging.rate_limit: expected a positive number of lines per second, at most 1000000, or null for no limit, found 10000000`,
    );
    assert.equal(at(`{ discovery: { timeout: 1e7 } }`), `discovery.timeout: expected a positive number of seconds, at most 60, found 10000000`);
    const token = "expected a shared secret of 16 to 1024 printable ASCII characters, without leading or trailing spaces";
    assert.equal(at(`{ security: { token: "0123456789abcdef\\n" } }`), `security.token: ${token}, found "0123456789abcdef\\n"`);
    assert.equal(at(`{ security: { token: " 0123456789abcdef" } }`), `security.token: ${token}, found " 0123456789abcdef"`);
    assert.equal(at(`{ security: { token: "0123456789abcdéf" } }`), `security.token: ${token}, found "0123456789abcdéf"`);
    assert.match(at(`{ security: { token: "${"x".repeat(1025)}" } }`), new RegExp(`^security.token: ${token}, found "x+\\.\\.\\.$`));
    assert.equal(loadConfig(write("token.conf", `{ security: { token: "correct horse battery staple" } }`)).config.security?.token, "correct horse battery staple");
    const workgroup = "expected a workgroup name of at most 128 UTF-8 bytes, without control characters";
    assert.match(at(`{ workgroup: "${"é".repeat(65)}" }`), new RegExp(`^workgroup: ${workgroup}, found "é+\\.\\.\\.$`));
    assert.equal(at(`{ workgroup: "lab\\u001b[2J" }`), `workgroup: ${workgroup}, found "lab\\u001b[2J"`);
    assert.equal(loadConfig(write("wg.conf", `{ workgroup: "${"é".repeat(64)}" }`)).config.workgroup, "é".repeat(64));
    assert.match(
      at(`{ contexts: { ${"c".repeat(129)}: {} } }`),
      /^contexts\.c+: expected the key to be a context name of at most 128 characters, found "c+\.\.\.$/,
    );
    assert.match(at(`{ contexts: { a: { host: "${"h".repeat(254)}" } } }`), /^contexts\.a\.host: expected a host address or name of at most 253 characters, found "h+\.\.\.$/);
  });

  it("refuses a file larger than MAX_CONFIG_BYTES without reading all of it", () => {
    const big = write("big.conf", `{ workgroup: "lab",${" ".repeat(MAX_CONFIG_BYTES)}}`);
    assert.throws(() => loadConfig(big), {
      name: "UsageError",
      message: `Invalid configuration file ${big}: it is larger than 1 MiB, the most a configuration file may have; check that the path names the configuration file`,
    });
    const fits = write("fits.conf", `{ workgroup: "lab",${" ".repeat(MAX_CONFIG_BYTES - 21)}}`);
    assert.equal(loadConfig(fits).config.workgroup, "lab");
    if (existsSync("/dev/zero")) {
      assert.throws(() => loadConfig("/dev/zero"), (e: unknown) => e instanceof UsageError && e.message.includes("larger than 1 MiB"));
    }
  });

  it("refuses at start() a logfile that is the configuration file, also through a symlink, a hard link or a rotated name", async () => {
    const home = mkdtempSync(join(dir, "self-log-"));
    const config = (name: string, logging: string) => {
      const path = join(home, name);
      writeFileSync(path, `{ log_dir: ".", logging: { ${logging} }, discovery: { enabled: false } }\n`);
      return path;
    };
    const expectRefused = async (path: string, found: string) => {
      const before = readFileSync(path, "utf8");
      await assert.rejects(Context.start("self_log", { config: path }), {
        name: "UsageError",
        message: `Invalid configuration file ${path}: logging.logfile: expected a log file other than the configuration file itself, found ${found}; name another file, e.g. "qmi.log"`,
      });
      assert.equal(readFileSync(path, "utf8"), before, "nothing was appended to the configuration file");
    };
    const same = config("same.conf", `logfile: "same.conf"`);
    await expectRefused(same, `"same.conf" (${same})`);
    mkdirSync(join(home, "sub"));
    const dotted = config("dotted.conf", `logfile: "sub/../dotted.conf"`);
    await expectRefused(dotted, `"sub/../dotted.conf" (${join(home, "sub/../dotted.conf")})`);
    const absolute = config("absolute.conf", `logfile: ${JSON.stringify(join(home, "absolute.conf"))}`);
    await expectRefused(absolute, `${JSON.stringify(absolute)} (${absolute})`);
    const linked = config("linked.conf", `logfile: "link.log"`);
    symlinkSync(linked, join(home, "link.log"));
    await expectRefused(linked, `"link.log" (${join(home, "link.log")})`);
    const hard = config("hard.conf", `logfile: "hard.log"`);
    linkSync(hard, join(home, "hard.log"));
    await expectRefused(hard, `"hard.log" (${join(home, "hard.log")})`);
    const rotated = config("lab.log.2", `logfile: "lab.log", backup_count: 3`);
    await expectRefused(rotated, `"lab.log" (its rotated file ${rotated} is the configuration file, which rotation would rename or delete)`);
    const kept = config("kept.log.2", `logfile: "kept.log", backup_count: 1, console_loglevel: "ERROR"`);
    const ctx = await Context.start("self_log_ok", { config: kept }); // kept.log.2 is beyond backup_count: never touched
    await ctx.stop();
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
      e instanceof UsageError && e.message.includes("must hold a shared secret of 16 to 1024 printable ASCII characters, without leading or trailing spaces on its first line (found 3 characters)"));
    write("accented.token", "clé-du-laboratoire-2026\n"); // long enough, but not ASCII: grpc-js would refuse every call
    const accented = write("accented-token.conf", `{ security: { token_file: "accented.token" } }`);
    await assert.rejects(Context.start("sec_accented", { config: accented }), (e: unknown) =>
      e instanceof UsageError && e.message.includes("printable ASCII characters") && e.message.includes("accented.token"));
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
