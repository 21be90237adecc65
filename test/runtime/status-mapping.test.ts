import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import { InstrumentError, ResourceExhaustedError, UnauthenticatedError, errorClasses } from "qmi-ts";
import { ERROR_CLASS_TRAILER, errorFromWire, errorToWire, fromStatus, toStatus } from "../../runtime/protocol/status-mapping.ts";

/** A ServiceError as grpc-js reports one. */
function serviceError(code: Status, details: string, errorClass?: string): ServiceError {
  const metadata = new Metadata();
  if (errorClass !== undefined) metadata.set(ERROR_CLASS_TRAILER, errorClass);
  return Object.assign(new Error(details), { code, details, metadata });
}

describe("status-mapping", () => {
  it("sends a ResourceExhaustedError as RESOURCE_EXHAUSTED with its class in the trailer", () => {
    const status = toStatus(new ResourceExhaustedError("too big"));
    assert.equal(status.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(status.details, "too big");
    assert.deepEqual(status.metadata?.get(ERROR_CLASS_TRAILER), ["ResourceExhaustedError"]);
  });

  it("rethrows RESOURCE_EXHAUSTED from gRPC itself (no trailer) as ResourceExhaustedError, not InstrumentError", () => {
    const error = fromStatus(serviceError(Status.RESOURCE_EXHAUSTED, "Received message larger than max (5000 vs. 4096)"), "echo()");
    assert.ok(error instanceof ResourceExhaustedError, String(error));
    assert.equal(error.code, "RESOURCE_EXHAUSTED");
    assert.equal(error.message, "echo(): Received message larger than max (5000 vs. 4096)");
  });

  it("rethrows the class named by the trailer, and maps the rest by code", () => {
    assert.ok(fromStatus(serviceError(Status.RESOURCE_EXHAUSTED, "x", "ResourceExhaustedError"), "f()") instanceof ResourceExhaustedError);
    assert.ok(fromStatus(serviceError(Status.UNAUTHENTICATED, "x"), "f()") instanceof UnauthenticatedError);
    assert.ok(fromStatus(serviceError(Status.DATA_LOSS, "x"), "f()") instanceof InstrumentError);
  });

  it("maps every error class the same way on both paths: the status with its trailer, and the channel's wire fields", () => {
    for (const [name, ErrorClass] of errorClasses) {
      const original = new ErrorClass(`${name} happened`);
      const wire = errorToWire(original);
      const status = toStatus(original);
      assert.deepEqual({ code: status.code, message: status.details, errorClass: status.metadata?.get(ERROR_CLASS_TRAILER)[0] }, wire, name);
      const viaChannel = errorFromWire(wire, "f()");
      const viaUnary = fromStatus(serviceError(status.code!, status.details!, name), "f()");
      assert.equal(viaChannel.constructor, ErrorClass, name);
      assert.equal(viaUnary.constructor, ErrorClass, name);
      assert.equal(viaChannel.message, `${name} happened`);
      assert.equal(viaUnary.message, viaChannel.message);
    }
    const plain = errorFromWire({ code: Status.UNAVAILABLE, message: "connection refused", errorClass: "" }, "g()");
    assert.equal(plain.name, "ConnectionError");
    assert.equal(plain.message, "g(): connection refused");
  });
});
