/**
 * IDL compatibility: the committed `.proto` is the reference; `qmi gen` refuses changes that break clients built
 * from it, unless `--allow-breaking`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { genInProcess } from "./support/gen-in-process.ts";
import { breakingChanges } from "../../codegen/compat/breaking-changes.ts";
import { protoShape } from "../../codegen/compat/proto-shape.ts";
import { repoRoot } from "./support/golden.ts";

const base = `syntax = "proto3";
package p;
service S {
  rpc Set(SetRequest) returns (SetResponse);
  rpc Watch(WatchRequest) returns (stream Event);
}
message SetRequest { double amplitude = 1; optional string unit = 2; }
message SetResponse {}
message WatchRequest {}
message Event { double value = 1; }
enum Mode { MODE_UNSPECIFIED = 0; MODE_A = 1; MODE_B = 2; }
`;

function changes(after: string) {
  return breakingChanges(protoShape(base), protoShape(after)).map((c) => `${c.where} ${c.what}`);
}

describe("breakingChanges", () => {
  it("accepts additions: RPCs, messages, enum values, response fields, trailing optional parameters", () => {
    const after = base
      .replace("rpc Set(", "rpc Get(GetRequest) returns (Event);\n  rpc Set(")
      .replace("optional string unit = 2; }", "optional string unit = 2; optional int32 channel = 3; }\nmessage GetRequest {}")
      .replace("double value = 1; }", "double value = 1; string label = 2; }")
      .replace("MODE_B = 2;", "MODE_B = 2; MODE_C = 3;");
    assert.deepEqual(changes(after), []);
  });

  it("names the RPC and parameter of a retyped, renamed or removed field", () => {
    assert.deepEqual(changes(base.replace("double amplitude = 1", "string amplitude = 1")), [
      "S.Set parameter amplitude (field 1 of SetRequest) changed from double amplitude to string amplitude",
    ]);
    assert.deepEqual(changes(base.replace("double amplitude = 1", "double level = 1")), [
      "S.Set parameter amplitude (field 1 of SetRequest) changed from double amplitude to double level",
    ]);
    assert.deepEqual(changes(base.replace(" optional string unit = 2;", "")), [
      "S.Set parameter unit (field 2 of SetRequest) was removed (optional string unit)",
    ]);
    assert.deepEqual(changes(base.replace("double value = 1", "repeated double value = 1")), [
      "S.Watch result value (field 1 of Event) changed from double value to repeated double value",
    ]);
  });

  it("refuses a new required parameter, a removed RPC, a stream change and enum renumbering", () => {
    assert.deepEqual(changes(base.replace("optional string unit = 2; }", "optional string unit = 2; int32 channel = 3; }")), [
      "S.Set parameter channel (field 3 of SetRequest) is a new required parameter (int32 channel); clients that do not send it would pass its default value",
    ]);
    assert.deepEqual(changes(base.replace("  rpc Set(SetRequest) returns (SetResponse);\n", "")), ["S.Set was removed"]);
    assert.deepEqual(changes(base.replace("returns (stream Event)", "returns (Event)")), ["S.Watch changed between unary and server streaming"]);
    assert.deepEqual(changes(base.replace("MODE_A = 1; MODE_B = 2;", "MODE_B = 1;")), [
      "enum Mode lost value MODE_A (1)",
      "enum Mode renumbered MODE_B from 2 to 1",
    ]);
  });
});

describe("qmi gen against the committed .proto", () => {
  let tmp = "";
  const driverFile = () => path.join(tmp, "drivers", "dummy", "noisy-sine-generator.ts");
  let original = "";
  const gen = (...args: string[]) => genInProcess(["--project", tmp, ...args]);
  const edit = (from: string, to: string) => {
    assert.ok(original.includes(from), from);
    fs.writeFileSync(driverFile(), original.replace(from, to));
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qmi-compat-"));
    fs.cpSync(path.join(repoRoot, "runtime"), path.join(tmp, "runtime"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "drivers", "dummy"), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, "drivers", "dummy", "noisy-sine-generator.ts"), driverFile());
    fs.copyFileSync(path.join(repoRoot, "tsconfig.json"), path.join(tmp, "tsconfig.json"));
    fs.writeFileSync(path.join(tmp, "package.json"), '{ "name": "qmi-ts", "qmi": { "roots": ["drivers"], "protoPackage": "qmi" } }\n');
    original = fs.readFileSync(driverFile(), "utf8");
    const first = await gen();
    assert.equal(first.status, 0, first.stdout + first.stderr);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses a retyped parameter, naming driver, method and field, and writes nothing", async () => {
    const proto = path.join(tmp, "idl/qmi/drivers/dummy/noisy_sine_generator.proto");
    const before = fs.readFileSync(proto, "utf8");
    edit("async setAmplitude(amplitude: number)", "async setAmplitude(amplitude: string)");
    const refused = await gen();
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /drivers\/dummy\/noisy-sine-generator\.ts: NoisySineGenerator\.SetAmplitude parameter amplitude \(field 1 of SetAmplitudeRequest\) changed from double amplitude to string amplitude/,
    );
    assert.match(refused.stderr, /--allow-breaking/);
    assert.equal(fs.readFileSync(proto, "utf8"), before);
    assert.equal((await gen("--check")).status, 2, "--check reports the break too");
  });

  it("refuses a new required parameter and a removed method", async () => {
    edit("async wait(duration: number)", "async wait(duration: number, reason: string)");
    assert.match((await gen()).stderr, /NoisySineGenerator\.Wait parameter reason \(field 2 of WaitRequest\) is a new required parameter/);
    edit("  @rpcMethod({ snapshot: true })\n  async getNoise()", "  async getNoise()");
    assert.match((await gen()).stderr, /NoisySineGenerator\.GetNoise was removed/);
  });

  it("allows a trailing optional parameter, and a break with --allow-breaking", async () => {
    edit("async wait(duration: number)", "async wait(duration: number, reason?: string)");
    const allowed = await gen();
    assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);
    assert.match(fs.readFileSync(path.join(tmp, "idl/qmi/drivers/dummy/noisy_sine_generator.proto"), "utf8"), /optional string reason = 2;/);
    edit("async setAmplitude(amplitude: number)", "async setAmplitude(amplitude: string)");
    const forced = await gen("--allow-breaking");
    assert.equal(forced.status, 0, forced.stdout + forced.stderr);
    assert.match(fs.readFileSync(path.join(tmp, "idl/qmi/drivers/dummy/noisy_sine_generator.proto"), "utf8"), /string amplitude = 1;/);
  });
});
