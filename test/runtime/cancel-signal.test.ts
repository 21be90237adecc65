import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CallCancellation, type CancelSignal } from "../../runtime/protocol/cancel-signal.ts";

describe("CallCancellation", () => {
  it("calls each listener still registered once on abort, then stays aborted", () => {
    const cancellation = new CallCancellation();
    const calls: string[] = [];
    const a = { handleEvent: () => calls.push("a") };
    const b = { handleEvent: () => calls.push("b") };
    cancellation.addEventListener("abort", a);
    cancellation.addEventListener("abort", b);
    cancellation.removeEventListener("abort", a);
    cancellation.removeEventListener("abort", a); // not there any more: nothing happens
    assert.equal(cancellation.aborted, false);
    cancellation.abort();
    cancellation.abort();
    assert.equal(cancellation.aborted, true);
    assert.deepEqual(calls, ["b"]);
    cancellation.addEventListener("abort", a); // too late: never called
    cancellation.abort();
    assert.deepEqual(calls, ["b"]);
  });

  it("is interchangeable with an AbortSignal where the dispatcher listens", () => {
    const signals: CancelSignal[] = [new AbortController().signal, new CallCancellation()];
    for (const signal of signals) {
      let called = 0;
      const listener = { handleEvent: () => called++ };
      signal.addEventListener("abort", listener, { once: true });
      signal.removeEventListener("abort", listener);
      assert.equal(signal.aborted, false);
      assert.equal(called, 0);
    }
  });
});
