import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Instrument, NotOpenError, UsageError, getRpcMetadata } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

describe("Instrument", () => {
  it("inherits open, close and isOpen as RPC methods callable while closed", () => {
    const meta = getRpcMetadata(NoisySineGenerator);
    assert.deepEqual(meta.methods.slice(0, 3), ["open", "close", "isOpen"]);
    assert.deepEqual([...meta.methodsAllowedWhenClosed].sort(), ["close", "isOpen", "open"]);
    assert.deepEqual(getRpcMetadata(Instrument).methods, ["open", "close", "isOpen"]);
  });

  it("refuses opening twice and closing a closed instrument", async () => {
    const nsg = new NoisySineGenerator({ name: "nsg", contextName: "test" });
    assert.equal(await nsg.isOpen(), false);
    assert.throws(() => nsg.checkIsOpen(), NotOpenError);
    await assert.rejects(nsg.close(), UsageError);
    await nsg.open();
    assert.equal(await nsg.isOpen(), true);
    await assert.rejects(nsg.open(), /already open/);
    await nsg.close();
    assert.equal(await nsg.isOpen(), false);
  });
});
