/**
 * Generated code registers itself: a project generates its own driver, deletes its `.proto` files, and a server
 * and a client in two processes host and call the driver after importing only the generated modules.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadService, registerProtoSource } from "../../runtime/protocol/proto-files.ts";
import { ROOT, startChild, type Child } from "../helpers/child-context.ts";
import { initTemplates } from "../../cli/init-templates.ts";

/** The power supply driver that `qmi init` scaffolds. */
const DRIVER = initTemplates({ name: "acme-lab", protoPackage: "acme_lab", qmiTsSpec: "0.0.0", tsxSpec: "0.0.0" }).get("drivers/acme/psu.ts")!;

const SERVER = `import * as qmi from "qmi-ts";
import "./generated/index.ts";
import { AcmePsu } from "./drivers/acme/psu.ts";

const context = await qmi.start("psu_server", { config: null });
await qmi.makeInstrument("psu", AcmePsu);
console.log(\`LISTENING \${context.tcpServerPort}\`);
console.log(\`STOPPED \${await context.waitUntilShutdown()}\`);
await qmi.stop();
`;

const CLIENT = `import * as qmi from "qmi-ts";
import { AcmePsuProxy } from "./generated/drivers/acme/psu.ts";

const context = await qmi.start("psu_client", { config: null });
await context.connectToPeer("psu_server", { address: process.argv[2] });
const psu = await context.getInstrument("psu_server.psu", AcmePsuProxy);
await psu.open();
const receiver = new qmi.SignalReceiver<{ volts: number }>();
await psu.subscribe("voltageSet", receiver);
await psu.setVoltage(12);
const signal = await receiver.getNextSignal(5);
console.log(\`VOLTAGE \${await psu.getVoltage()} SIGNAL \${signal.args.volts}\`);
await psu.setVoltage(99).catch((error: Error) => console.log(\`REFUSED \${error.name}\`));
await context.requestPeerShutdown("psu_server", "done");
await qmi.stop();
`;

/** Hosts the project's driver without importing its generated code, and a built-in driver by its module alone. */
const BARE_SERVER = `import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { AcmePsu } from "./drivers/acme/psu.ts";

const context = await qmi.start("bare_server", { config: null });
await qmi.makeInstrument("psu", AcmePsu);
await qmi.makeInstrument("nsg", NoisySineGenerator);
console.log(\`LISTENING \${context.tcpServerPort}\`);
await context.waitUntilShutdown();
await qmi.stop();
`;

/** Asks for objects whose generated code one side or the other has not imported, then imports it. */
const BARE_CLIENT = `import * as qmi from "qmi-ts";

const context = await qmi.start("bare_client", { config: null });
await context.connectToPeer("bare_server", { address: process.argv[2] });
await context.connectToPeer("psu_server", { address: process.argv[3] });
const failure = (promise: Promise<unknown>) => promise.then(() => "none", (e: Error) => \`\${e.name}: \${e.message}\`);
console.log(\`HOSTED_BARE \${await failure(context.getInstrument("bare_server.psu"))}\`);
console.log(\`BUILT_IN \${await failure(context.getInstrument("bare_server.nsg"))}\`);
console.log(\`LAB \${await failure(context.getInstrument("psu_server.psu"))}\`);
await import("qmi-ts/generated/index");
const nsg = (await context.getInstrument("bare_server.nsg")) as unknown as { open(): Promise<void>; getSample(): Promise<number> };
await nsg.open();
console.log(\`SAMPLE \${typeof (await nsg.getSample())}\`);
await context.requestPeerShutdown("bare_server", "done");
await context.requestPeerShutdown("psu_server", "done");
await qmi.stop();
`;

describe("generated code registers itself (no .proto read at run time)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "qmi-lab-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "qmi-ts"), "dir");
    mkdirSync(join(dir, "drivers", "acme"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "acme-lab", private: true, type: "module" }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["ES2023", "esnext.decorators"],
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules", "@types")],
          strict: true,
          allowImportingTsExtensions: true,
          noEmit: true,
          skipLibCheck: true,
          customConditions: ["qmi-ts-source"],
        },
        include: ["drivers", "generated", "*.ts"],
      }),
    );
    writeFileSync(join(dir, "drivers", "acme", "psu.ts"), DRIVER);
    writeFileSync(join(dir, "server.ts"), SERVER);
    writeFileSync(join(dir, "client.ts"), CLIENT);
    writeFileSync(join(dir, "bare-server.ts"), BARE_SERVER);
    writeFileSync(join(dir, "bare-client.ts"), BARE_CLIENT);
    execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "codegen", "main.ts"), "--project", dir, "--root", "drivers"], {
      cwd: ROOT,
      timeout: 120_000,
      stdio: "pipe",
    });
    rmSync(join(dir, "idl"), { recursive: true, force: true }); // what the processes need is in the generated modules
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("hosts and calls a project's driver, with a signal and an error, importing only its generated modules", async () => {
    const children: Child[] = [];
    try {
      const server = startChild(join(dir, "server.ts"), [], {}, dir);
      children.push(server);
      const [, port] = await server.waitForLine(/^LISTENING (\d+)/, 30);
      const client = startChild(join(dir, "client.ts"), [`127.0.0.1:${port}`], {}, dir);
      children.push(client);
      await client.waitForLine(/^VOLTAGE 12 SIGNAL 12$/, 30);
      await client.waitForLine(/^REFUSED InvalidArgumentError$/, 10);
      assert.equal(await client.waitForExit(20), 0, client.output());
      await server.waitForLine(/^STOPPED done$/, 10);
      assert.equal(await server.waitForExit(20), 0, server.output());
      assert.doesNotMatch(server.output() + client.output(), /reachable in-process only|ENOENT/);
    } finally {
      for (const child of children) child.kill();
    }
  });

  it("names the import that is missing: in the hosting process, or in the calling one (built-in or the lab's)", async () => {
    const children: Child[] = [];
    try {
      const bare = startChild(join(dir, "bare-server.ts"), [], {}, dir);
      const server = startChild(join(dir, "server.ts"), [], {}, dir);
      children.push(bare, server);
      const [, barePort] = await bare.waitForLine(/^LISTENING (\d+)/, 30);
      const [, port] = await server.waitForLine(/^LISTENING (\d+)/, 30);
      const client = startChild(join(dir, "bare-client.ts"), [`127.0.0.1:${barePort}`, `127.0.0.1:${port}`], {}, dir);
      children.push(client);
      const [, hosted] = await client.waitForLine(/^HOSTED_BARE (.*)$/, 30);
      assert.equal(
        hosted,
        "NotGeneratedError: bare_server.psu (AcmePsu) is not served to peers: the process hosting it has no generated " +
          "code registered for AcmePsu: run `qmi gen` in the project of its driver, and import that project's " +
          "generated/index.ts (or the generated module of the driver) before hosting it",
      );
      const [, builtIn] = await client.waitForLine(/^BUILT_IN (.*)$/, 10);
      assert.match(builtIn!, /^NotGeneratedError: This program has no generated proxy for qmi\.drivers\.dummy\.noisy_sine_generator\.NoisySineGenerator; import qmi-ts's generated code first \(`import "qmi-ts\/generated\/index"`/);
      const [, lab] = await client.waitForLine(/^LAB (.*)$/, 10);
      assert.equal(
        lab,
        "NotGeneratedError: This program has no generated proxy for acme_lab.drivers.acme.psu.AcmePsu; import the " +
          "generated code of AcmePsu first: the generated/index.ts of the project that defines it (run `qmi gen` " +
          "there), or the generated proxy module of its driver",
      );
      await client.waitForLine(/^SAMPLE number$/, 10);
      assert.equal(await client.waitForExit(20), 0, client.output());
      assert.equal(await bare.waitForExit(20), 0, bare.output());
      assert.equal(await server.waitForExit(20), 0, server.output());
    } finally {
      for (const child of children) child.kill();
    }
  });
});

describe("registerProtoSource", () => {
  it("serves a registered .proto text that no idl folder holds (importing a well-known type)", () => {
    const file = `lab-${process.pid}/ping.proto`;
    registerProtoSource(file, 'syntax = "proto3";\npackage lab;\nimport "google/protobuf/timestamp.proto";\nmessage Pong { google.protobuf.Timestamp at = 1; }\nmessage PingRequest {}\nservice Pinger { rpc Ping(PingRequest) returns (Pong); }');
    const ping = loadService(file, "lab.Pinger").Ping!;
    assert.equal(ping.path, "/lab.Pinger/Ping");
    const bytes = ping.responseSerialize({ at: { seconds: "5", nanos: 0 } });
    assert.deepEqual(ping.responseDeserialize(bytes), { at: { seconds: "5", nanos: 0 } });
  });
});
