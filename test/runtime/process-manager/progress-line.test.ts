/**
 * ProgressLine: a rewritten spinner line on terminals, results only elsewhere.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { ProgressLine } from "../../../runtime/process-manager/progress-line.ts";

function sink(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = "";
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text += chunk.toString();
        callback();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

describe("ProgressLine", () => {
  it("rewrites one line with a spinner on a terminal and replaces it with the result", () => {
    const { stream, text } = sink(true);
    const line = new ProgressLine(stream, { interactive: true });
    line.update("waiting for a");
    line.update("waiting for a");
    line.done("a: STARTED");
    assert.equal(text(), "\r\x1b[K| waiting for a\r\x1b[K/ waiting for a\r\x1b[Ka: STARTED\n");
  });

  it("prints only the result when not on a terminal", () => {
    const { stream, text } = sink(false);
    const line = new ProgressLine(stream);
    line.update("waiting");
    line.done("a: STOPPED");
    assert.equal(text(), "a: STOPPED\n");
  });
});
