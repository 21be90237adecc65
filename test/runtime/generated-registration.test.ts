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
import { loadService, registerProtoSource } from "../../runtime/proto-files.ts";
import { ROOT, startChild, type Child } from "../helpers/child-context.ts";

const DRIVER = `import { InvalidArgumentError, Instrument, Signal, rpcMethod, signal } from "qmi-ts";

/** A simulated bench power supply. */
export class AcmePsu extends Instrument {
  /** Published when the output voltage changes. */
  @signal readonly voltageSet = new Signal<{ volts: number }>();
  private volts = 0;

  /**
   * Set the output voltage.
   * @param volts - 0 to 30
   */
  @rpcMethod
  async setVoltage(volts: number): Promise<void> {
    if (!(volts >= 0 && volts <= 30)) throw new InvalidArgumentError(\`volts must be in [0, 30], got \${volts}\`);
    this.volts = volts;
    this.voltageSet.publish({ volts });
  }

  /** The output voltage. */
  @rpcMethod
  async getVoltage(): Promise<number> {
    return this.volts;
  }
}
`;

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
