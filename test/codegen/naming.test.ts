import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { modulePaths, pascalCase, snakeCase, upperSnakeCase } from "../../codegen/naming.ts";

describe("snakeCase", () => {
  it("converts camelCase, acronyms and kebab-case", () => {
    assert.equal(snakeCase("sampleRate"), "sample_rate");
    assert.equal(snakeCase("HTTPPort"), "http_port");
    assert.equal(snakeCase("noisy-sine-generator"), "noisy_sine_generator");
    assert.equal(snakeCase("value2"), "value2");
  });
});

describe("pascalCase", () => {
  it("capitalises words", () => {
    assert.equal(pascalCase("setFrequency"), "SetFrequency");
    assert.equal(pascalCase("fast-mode"), "FastMode");
  });
});

describe("upperSnakeCase", () => {
  it("makes enum value names", () => {
    assert.equal(upperSnakeCase("SweepMode"), "SWEEP_MODE");
    assert.equal(upperSnakeCase("high-z"), "HIGH_Z");
    assert.equal(upperSnakeCase("constantVoltage"), "CONSTANT_VOLTAGE");
  });
});

describe("modulePaths", () => {
  it("follows the wire contract", () => {
    assert.deepEqual(modulePaths("drivers/dummy/noisy-sine-generator.ts"), {
      sourceFile: "drivers/dummy/noisy-sine-generator.ts",
      protoFile: "qmi/drivers/dummy/noisy_sine_generator.proto",
      protoPackage: "qmi.drivers.dummy.noisy_sine_generator",
      generatedFile: "drivers/dummy/noisy-sine-generator.ts",
    });
  });
});
