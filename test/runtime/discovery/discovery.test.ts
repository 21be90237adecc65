import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as qmi from "qmi-ts";
import { ConnectionError, Context, type QmiConfig } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { ROOT, startChild, type Child } from "../../helpers/child-context.ts";
import { freeTcpPort, freeUdpPort } from "../../helpers/free-port.ts";

let counter = 0;
/** A workgroup no other test (or lab) uses. */
const uniqueWorkgroup = () => `wg_${process.pid}_${++counter}`;

describe("discoverPeerContexts (UDP on loopback, a discovery port of the test's own)", () => {
  let dir: string;
  let port: number;
  const children: Child[] = [];
  const contexts: Context[] = [];
  const config = (workgroup: string, extra: QmiConfig = {}): QmiConfig => ({ workgroup, discovery: { port, timeout: 0.3 }, ...extra });
  const startContext = async (name: string, cfg: QmiConfig) => {
    const context = await Context.start(name, { config: cfg });
    contexts.push(context);
    return context;
  };
  const writeConfig = (name: string, cfg: QmiConfig) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(cfg));
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qmi-discovery-"));
    port = await freeUdpPort();
  });
  after(async () => {
    for (const child of children) child.kill();
    for (const context of contexts) await context.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lets two OS processes find each other and call an instrument", async () => {
    const path = writeConfig("two-processes.conf", config(uniqueWorkgroup()));
    const server = startChild("test/fixtures/discoverable-server.ts", ["disc_server", path]);
    children.push(server);
    const [, tcpPort] = await server.waitForLine(/^LISTENING (\d+)$/);
    const client = startChild("test/fixtures/discovering-client.ts", [path, "disc_server"]);
    children.push(client);
    const [, address] = await client.waitForLine(/^FOUND (\S+)$/);
    assert.equal(address, `127.0.0.1:${tcpPort}`);
    const [, sample] = await client.waitForLine(/^SAMPLE (\S+)$/);
    assert.ok(Number.isFinite(Number(sample)), sample);
    assert.equal(await client.waitForExit(), 0, client.output());
    server.process.kill("SIGTERM");
    await server.waitForLine(/^STOPPED SIGTERM$/);
  });

  it("finds the contexts of its workgroup only, not itself, with wildcards in both filters", async () => {
    const lab = uniqueWorkgroup();
    const other = uniqueWorkgroup();
    const a = await startContext("wild_a", config(lab));
    const b = await startContext("wild_b", config(lab));
    const c = await startContext("wild_c", config(other));
    const names = (found: { name: string }[]) => found.map((ctx) => ctx.name);
    assert.deepEqual(await a.discoverPeerContexts(), [{ name: "wild_b", address: b.address, workgroup: lab, pid: process.pid }]);
    assert.deepEqual(names(await a.discoverPeerContexts({ workgroup: `wg_${process.pid}_*` })), ["wild_b", "wild_c"]);
    assert.deepEqual(names(await a.discoverPeerContexts({ workgroup: other })), ["wild_c"]);
    assert.deepEqual(names(await c.discoverPeerContexts({ workgroup: "*", contextName: "wild_?" })), ["wild_a", "wild_b"]);
    assert.deepEqual(await a.discoverPeerContexts({ contextName: "nothing*" }), []);
  });

  it("ignores garbage, foreign and QMI 'kill' packets and keeps answering", async () => {
    const workgroup = uniqueWorkgroup();
    const target = await startContext("victim", config(workgroup));
    const asker = await startContext("asker", config(workgroup));
    const kill = Buffer.alloc(22);
    kill.writeUInt32LE(0x00494d51, 0);
    kill.writeUInt16LE(0x202, 4);
    const sender = createSocket("udp4");
    await new Promise<void>((resolve) => sender.bind(0, "127.0.0.1", resolve));
    sender.setBroadcast(true);
    for (const packet of [kill, Buffer.from("garbage"), Buffer.alloc(0), Buffer.from("QMTS\u0001\u0001short")]) {
      for (const address of ["127.255.255.255", "127.0.0.1"]) {
        await new Promise((resolve) => sender.send(packet, port, address, resolve));
      }
    }
    sender.close();
    assert.deepEqual((await asker.discoverPeerContexts()).map((ctx) => ctx.name), ["victim"]);
    assert.equal(target.shutdownRequested(), false);
    await target.makeInstrument("nsg", NoisySineGenerator);
    await asker.connectToPeer("victim", { address: target.address });
    assert.equal(await (await asker.getInstrument("victim.nsg", NoisySineGeneratorProxy)).isOpen(), false);
  });

  it("is not discoverable with discovery.enabled false", async () => {
    const workgroup = uniqueWorkgroup();
    const asker = await startContext("hidden_asker", config(workgroup));
    await startContext("hidden", { workgroup, discovery: { port, enabled: false } });
    assert.deepEqual(await asker.discoverPeerContexts(), []);
  });

  it("prints the tutorial's table with showNetworkContexts() and `qmi contexts`", async () => {
    const workgroup = uniqueWorkgroup();
    const server = await startContext("table_server", config(workgroup));
    await startContext("table_other", config(workgroup));
    await qmi.start("table_client", { config: config(workgroup) });
    try {
      await qmi.context().connectToPeer("table_server", { address: server.address });
      const printed: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => (printed.push(chunk), true)) as typeof process.stdout.write;
      let rows;
      try {
        rows = await qmi.showNetworkContexts();
      } finally {
        process.stdout.write = write;
      }
      const other = contexts.find((c) => c.name === "table_other")!;
      const width = server.address.length > other.address.length ? server.address.length : other.address.length;
      const expected = [
        `name         ${"address".padEnd(width)} connected`,
        `------------ ${"-".repeat(width)} ---------`,
        `table_other  ${other.address.padEnd(width)} no`,
        `table_server ${server.address.padEnd(width)} yes`,
        `------------ ${"-".repeat(width)} ---------`,
        "",
      ].join("\n");
      assert.equal(printed.join(""), expected);
      assert.equal(rows.length, 2);
      const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ["cli/qmi.mjs", "contexts", "--workgroup", workgroup, "--port", String(port), "--timeout", "0.3", "--context", "table_*"],
          { cwd: ROOT, timeout: 60_000, env: { ...process.env, QMI_CONFIG: "" } },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      assert.equal(cli.stderr, "");
      assert.equal(cli.code, 0);
      const client = qmi.context();
      const all = [other, server, client].sort((x, y) => x.name.localeCompare(y.name));
      const w = Math.max(...all.map((c) => c.address.length));
      assert.equal(
        cli.stdout,
        [
          `name         ${"address".padEnd(w)} connected`,
          `------------ ${"-".repeat(w)} ---------`,
          ...all.map((c) => `${c.name.padEnd(12)} ${c.address.padEnd(w)} no`),
          `------------ ${"-".repeat(w)} ---------`,
          "",
        ].join("\n"),
      );
    } finally {
      await qmi.stop();
    }
  });

  it("explains `qmi contexts` options with --help and refuses bad ones", async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ["cli/qmi.mjs", "contexts", ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const help = await run("--help");
    assert.equal(help.code, 0);
    for (const option of ["--workgroup", "--context", "--address", "--port", "--timeout", "--config"]) assert.match(help.stdout, new RegExp(option));
    const bad = await run("--port", "nope");
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `qmi contexts: --port must be a port number in [1, 65535], found "nope"\n`);
  });
});

describe("Context.start with a configured port and peers", () => {
  it("fails clearly when the configured port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await assert.rejects(
        Context.start("port_taken", { config: { contexts: { port_taken: { host: "127.0.0.1", tcp_server_port: port } }, discovery: { enabled: false } } }),
        (error: unknown) => {
          assert.ok(error instanceof ConnectionError);
          assert.equal(
            error.message,
            `Context port_taken cannot serve on 127.0.0.1:${port}: the port is already in use (by another context or ` +
              `program). Stop that program, or choose another port (contexts.port_taken.tcp_server_port)`,
          );
          return true;
        },
      );
    } finally {
      blocker.close();
    }
  });

  it("connects to connect_to_peers at start, and fails clearly when one is not running", async () => {
    const port = await freeTcpPort();
    const contexts = {
      peer_server: { host: "127.0.0.1", tcp_server_port: port },
      peer_client: { connect_to_peers: ["peer_server"] },
    };
    const dir = mkdtempSync(join(tmpdir(), "qmi-peers-"));
    const path = join(dir, "peers.conf");
    writeFileSync(path, JSON.stringify({ contexts, discovery: { enabled: false } }));
    try {
      await assert.rejects(Context.start("peer_client", { config: path }), (error: unknown) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(
          error.message,
          new RegExp(
            `^Context peer_client could not connect to peer_server, listed in contexts\\.peer_client\\.connect_to_peers ` +
              `of ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .+\\. Start peer_server first, or remove it from the list$`,
          ),
        );
        return true;
      });
      const server = await Context.start("peer_server", { config: path });
      try {
        await server.makeInstrument("nsg", NoisySineGenerator);
        const client = await Context.start("peer_client", { config: path });
        try {
          assert.deepEqual(client.peers(), [{ name: "peer_server", address: `127.0.0.1:${port}` }]);
          const nsg = await client.getInstrument("peer_server.nsg", NoisySineGeneratorProxy);
          assert.equal(await nsg.isOpen(), false);
        } finally {
          await client.stop();
        }
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
