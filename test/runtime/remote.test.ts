import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import {
  CancelledError,
  Context,
  DeadlineError,
  InvalidArgumentError,
  NotGeneratedError,
  NotOpenError,
  UnknownNameError,
  UsageError,
  Instrument,
  rpcMethod,
} from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { IDL_ROOT } from "../../runtime/protocol/proto-files.ts";
import { CALL_PATHS } from "../helpers/call-paths.ts";

const NSG_SERVICE = "qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator";

/** A raw grpc-js unary call, as any other-language client would make it from the emitted .proto. */
function rawCall(address: string, protoFile: string, service: string, method: string, request: object, metadata: Record<string, string> = {}) {
  const definition = loadSync(protoFile, { includeDirs: [IDL_ROOT], keepCase: true, longs: String, enums: String, defaults: true });
  const methodDef = (definition[service] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>)[method]!;
  const client = new Client(address, credentials.createInsecure());
  const md = new Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise<{ error: ServiceError | null; response?: Record<string, unknown> }>((resolve) => {
    client.makeUnaryRequest(methodDef.path, methodDef.requestSerialize, methodDef.responseDeserialize, request, md, { deadline: Date.now() + 5000 }, (error, response) => {
      client.close();
      resolve({ error, response: response as Record<string, unknown> | undefined });
    });
  });
}

for (const callPath of CALL_PATHS) describe(`remote instruments over the ${callPath} path (two contexts, real gRPC on 127.0.0.1)`, () => {
  let server: Context;
  let client: Context;
  before(async () => {
    server = await Context.start("instr_server", { config: null });
    client = await Context.start("hello_world", { config: null });
    await server.makeInstrument("nsg", NoisySineGenerator);
    await client.connectToPeer("instr_server", { address: server.address, callPath });
  });
  after(async () => {
    await client.stop();
    await server.stop();
  });

  it("calls every NSG method through the generated proxy", async () => {
    const nsg = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    assert.equal(String(nsg), `<rpc proxy for instr_server.nsg (${NSG_SERVICE})>`);
    assert.equal(await nsg.isOpen(), false);
    await nsg.open();
    assert.equal(await nsg.isOpen(), true);
    assert.deepEqual([await nsg.getFrequency(), await nsg.getAmplitude(), await nsg.getNoise()], [2, 100, 1]);
    await nsg.setFrequency(0);
    await nsg.setAmplitude(3);
    await nsg.setNoise(0);
    assert.deepEqual([await nsg.getFrequency(), await nsg.getAmplitude(), await nsg.getNoise()], [0, 3, 0]);
    assert.equal(await nsg.getSample(), 0);
    await nsg.wait(0.01);
    await nsg.setFrequency(2);
    await nsg.setAmplitude(100);
    await nsg.setNoise(1);
    await nsg.close();
  });

  it("gives the same proxy untyped, or typed by the driver class", async () => {
    const untyped = await client.getInstrument("instr_server.nsg");
    assert.ok(untyped instanceof NoisySineGeneratorProxy);
    const byClass = await client.getInstrument("instr_server.nsg", NoisySineGenerator);
    assert.equal(await byClass.isOpen(), false);
    class Other extends Instrument {}
    await assert.rejects(client.getInstrument("instr_server.nsg", Other), UsageError);
  });

  it("maps errors to the same classes as in-process", async () => {
    const nsg = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    await assert.rejects(nsg.getSample(), (e: unknown) => e instanceof NotOpenError && /nsg is not open/.test(e.message));
    await nsg.open();
    await assert.rejects(nsg.setAmplitude(-1), (e: unknown) => e instanceof InvalidArgumentError && /Bad value for amplitude/.test(e.message));
    await assert.rejects((nsg as unknown as { setNoise(v: unknown): Promise<void> }).setNoise("loud"), InvalidArgumentError);
    await assert.rejects(nsg.wait(0.5, { timeout: 0.1 }), DeadlineError);
    await assert.rejects(client.getInstrument("instr_server.missing"), (e: unknown) => e instanceof UnknownNameError && /no object named missing \(objects: nsg\)/.test(e.message));
    await assert.rejects(client.getInstrument("elsewhere.nsg"), (e: unknown) => e instanceof UnknownNameError && /not connected to elsewhere/.test(e.message));
    await assert.rejects(nsg.open(), UsageError);
    await nsg.close();
  });

  it("skips on the server a queued call its caller cancelled, and runs the next one", async () => {
    const nsg = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
    await nsg.open();
    try {
      const busy = nsg.wait(0.4); // holds the object's queue
      const abort = new AbortController();
      const cancelled = nsg.setAmplitude(7, { signal: abort.signal });
      const kept = nsg.setFrequency(5);
      await new Promise((resolve) => setTimeout(resolve, 100));
      abort.abort();
      await assert.rejects(cancelled, CancelledError);
      await busy;
      await kept;
      assert.equal(await nsg.getAmplitude(), 100, "the cancelled call did not run");
      assert.equal(await nsg.getFrequency(), 5);
    } finally {
      await nsg.setFrequency(2);
      await nsg.close();
    }
  });

  it("rejects a peer with another name, a duplicate connection and an unreachable address", async () => {
    const other = await Context.start("probe", { config: null });
    try {
      await assert.rejects(other.connectToPeer("not_instr_server", { address: server.address }), /is named instr_server, not not_instr_server/);
      await assert.rejects(client.connectToPeer("instr_server", { address: server.address }), UsageError);
      await client.connectToPeer("instr_server", { address: server.address, ignoreDuplicate: true });
      await assert.rejects(other.connectToPeer("nobody", { address: "127.0.0.1:1", timeout: 2 }), /nobody|127\.0\.0\.1:1/);
      await assert.rejects(other.connectToPeer("nobody"), /No address known for context nobody/);
    } finally {
      await other.stop();
    }
  });

  it("connects on demand with autoConnect and hostPort", async () => {
    const other = await Context.start("auto", { config: null });
    try {
      const nsg = await other.getInstrument("instr_server.nsg", NoisySineGeneratorProxy, { autoConnect: true, hostPort: server.address });
      assert.equal(await nsg.isOpen(), false);
      assert.deepEqual(other.peers(), [{ name: "instr_server", address: server.address }]);
    } finally {
      await other.stop();
    }
  });

  it("addresses two instances of one driver by qmi-object, and needs it only when ambiguous", async () => {
    const raw = (metadata: Record<string, string>) => rawCall(server.address, "qmi/drivers/dummy/noisy_sine_generator.proto", NSG_SERVICE, "IsOpen", {}, metadata);
    const single = await raw({});
    assert.equal(single.error, null);
    assert.equal(single.response?.value, false);
    const second = await server.makeInstrument("nsg_b", NoisySineGenerator);
    await second.open();
    await second.setAmplitude(7);
    try {
      const ambiguous = await raw({});
      assert.equal(ambiguous.error?.code, Status.NOT_FOUND);
      assert.match(ambiguous.error!.details, /hosts 2 objects .*name one in the qmi-object metadata/);
      assert.equal(ambiguous.error!.metadata.get("qmi-error")[0], "UnknownNameError");
      assert.equal((await raw({ "qmi-object": "nsg_b" })).response?.value, true);
      assert.equal((await raw({ "qmi-object": "nsg" })).response?.value, false);
      const b = await client.getInstrument("instr_server.nsg_b", NoisySineGeneratorProxy);
      const a = await client.getInstrument("instr_server.nsg", NoisySineGeneratorProxy);
      assert.equal(await b.getAmplitude(), 7);
      assert.equal(await a.isOpen(), false);
    } finally {
      await server.removeInstrument("nsg_b");
    }
  });

  it("ends failed raw calls with the design's status codes and the qmi-error trailer", async () => {
    const proto = "qmi/drivers/dummy/noisy_sine_generator.proto";
    const notOpen = await rawCall(server.address, proto, NSG_SERVICE, "GetSample", {}, { "qmi-object": "nsg" });
    assert.equal(notOpen.error?.code, Status.FAILED_PRECONDITION);
    assert.equal(notOpen.error?.metadata.get("qmi-error")[0], "NotOpenError");
    const unknown = await rawCall(server.address, proto, NSG_SERVICE, "GetSample", {}, { "qmi-object": "ghost" });
    assert.equal(unknown.error?.code, Status.NOT_FOUND);
    assert.equal(unknown.error?.metadata.get("qmi-error")[0], "UnknownNameError");
    await rawCall(server.address, proto, NSG_SERVICE, "Open", {}, { "qmi-object": "nsg" });
    const bad = await rawCall(server.address, proto, NSG_SERVICE, "SetAmplitude", { amplitude: -5 }, { "qmi-object": "nsg" });
    assert.equal(bad.error?.code, Status.INVALID_ARGUMENT);
    assert.equal(bad.error?.metadata.get("qmi-error")[0], "InvalidArgumentError");
    await rawCall(server.address, proto, NSG_SERVICE, "Close", {}, { "qmi-object": "nsg" });
    const signal = await rawCall(server.address, proto, NSG_SERVICE, "IsOpen", {}, {});
    assert.equal(signal.response?.value, false);
  });

  it("serves qmi.core.Context Describe and Ping, health and reflection", async () => {
    const described = await rawCall(server.address, "qmi/core/context.proto", "qmi.core.Context", "Describe", {});
    const answer = described.response as { name: string; pid: number; objects: { name: string; proto_service: string; methods: { name: string; signature: string }[]; constants: { name: string; value_json: string }[] }[] };
    assert.equal(answer.name, "instr_server");
    assert.equal(answer.pid, process.pid);
    const nsg = answer.objects.find((o) => o.name === "nsg")!;
    assert.equal(nsg.proto_service, NSG_SERVICE);
    assert.ok(nsg.methods.some((m) => m.name === "getSample" && m.signature === "getSample(): Promise<number>"));
    assert.deepEqual(nsg.constants.find((c) => c.name === "DEFAULT_FREQUENCY")?.value_json, "2");
    const ping = await rawCall(server.address, "qmi/core/context.proto", "qmi.core.Context", "Ping", {});
    assert.equal(ping.response?.name, "instr_server");

    const healthDef = loadSync("health/v1/health.proto", { includeDirs: [new URL("../../node_modules/grpc-health-check/proto", import.meta.url).pathname], keepCase: true, enums: String });
    const check = (healthDef["grpc.health.v1.Health"] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>).Check!;
    const healthClient = new Client(server.address, credentials.createInsecure());
    const health = await new Promise<Record<string, unknown>>((resolve, reject) =>
      healthClient.makeUnaryRequest(check.path, check.requestSerialize, check.responseDeserialize, { service: NSG_SERVICE }, new Metadata(), { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r as Record<string, unknown>))),
    );
    healthClient.close();
    assert.equal(health.status, "SERVING");

    const reflectionDef = loadSync("grpc/reflection/v1/reflection.proto", { includeDirs: [new URL("../../node_modules/@grpc/reflection/build/proto", import.meta.url).pathname], keepCase: true, longs: String, defaults: true });
    const info = (reflectionDef["grpc.reflection.v1.ServerReflection"] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => object }>).ServerReflectionInfo!;
    const reflectionClient = new Client(server.address, credentials.createInsecure());
    const services = await new Promise<string[]>((resolve, reject) => {
      const stream = reflectionClient.makeBidiStreamRequest(info.path, info.requestSerialize, info.responseDeserialize, new Metadata(), { deadline: Date.now() + 5000 });
      stream.on("data", (message: { list_services_response?: { service: { name: string }[] } }) => {
        resolve(message.list_services_response?.service.map((s) => s.name) ?? []);
        stream.end();
      });
      stream.on("error", reject);
      stream.write({ list_services: "" });
    });
    reflectionClient.close();
    for (const core of ["qmi.core.Context", "qmi.core.Lock", "qmi.core.Task", "qmi.core.Signals", "qmi.core.Channel"]) {
      assert.ok(services.includes(core), `${core} in ${services.join()}`);
    }
    assert.ok(services.includes(NSG_SERVICE), services.join());
  });

  it("says a class without generated code is reachable in-process only", async () => {
    class Plain extends Instrument {
      @rpcMethod async hello(): Promise<string> { return "hi"; }
    }
    await server.makeInstrument("plain", Plain);
    try {
      await assert.rejects(client.getInstrument("instr_server.plain"), (e: unknown) => e instanceof NotGeneratedError && /qmi gen/.test(e.message));
    } finally {
      await server.removeInstrument("plain");
    }
  });
});
